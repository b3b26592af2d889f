from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from terreau.territories.loading import DATA_FILE, load_geography, read_geography
from terreau.territories.models import Commune, Departement, Region


class Command(BaseCommand):
    help = (
        "Insert or update régions, départements and communes from the shipped data file "
        "(idempotent). Run after regenerating it with `make territories`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=DATA_FILE, help="data file (default: the shipped one)")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete rows absent from the file, unless still referenced (PROTECT); "
            "participants living in a deleted commune lose their commune",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, file: Path, prune: bool, database: str, **options) -> None:
        geography = read_geography(file)
        report = load_geography(
            geography,
            region_model=Region,
            departement_model=Departement,
            commune_model=Commune,
            using=database,
            prune=prune,
        )
        source = geography.source
        self.stdout.write(f"{source.get('package')} {source.get('version')}")
        for label, table in (
            ("régions", report.regions),
            ("départements", report.departements),
            ("communes", report.communes),
        ):
            line = f"{label}: {table.created} created, {table.updated} updated, {table.unchanged} unchanged"
            if table.deleted:
                line += f", {len(table.deleted)} deleted"
            self.stdout.write(line)
            if table.stale:
                preview = ", ".join(table.stale[:10]) + (" …" if len(table.stale) > 10 else "")
                verb = "kept (still referenced)" if prune else "not in the file (use --prune to delete)"
                self.stdout.write(self.style.WARNING(f"  {len(table.stale)} {label} {verb}: {preview}"))
