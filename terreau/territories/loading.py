"""Load the shipped geography file into the database.

Used by the data migration (historical models, empty tables) and by
`manage.py load_territories` (current models, idempotent update). Both go through
`load_geography`, which inserts new rows, updates changed ones and leaves equal rows alone.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import ProtectedError

from terreau.territories.text import normalize_name

DATA_FILE = Path(__file__).resolve().parent / "data" / "territories.json.gz"
SUPPORTED_FORMAT = 1
BATCH_SIZE = 2000


@dataclass(frozen=True)
class Geography:
    """The content of the data file, as rows of plain values."""

    source: dict[str, Any]
    regions: list[tuple[str, str]]
    departements: list[tuple[str, str, str]]
    communes: list[tuple[str, str, str, int, str]]


@dataclass
class TableReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: list[str] = field(default_factory=list)  # in the database, not in the file
    deleted: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    regions: TableReport
    departements: TableReport
    communes: TableReport


def read_geography(path: Path = DATA_FILE) -> Geography:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    if data.get("format") != SUPPORTED_FORMAT:
        raise ValueError(f"{path}: unsupported format {data.get('format')!r}, expected {SUPPORTED_FORMAT}")
    return Geography(
        source=data["source"],
        regions=[tuple(row) for row in data["regions"]],
        departements=[tuple(row) for row in data["departements"]],
        communes=[tuple(row) for row in data["communes"]],
    )


def load_geography(
    geography: Geography,
    *,
    region_model: type[models.Model],
    departement_model: type[models.Model],
    commune_model: type[models.Model],
    using: str = DEFAULT_DB_ALIAS,
    prune: bool = False,
    batch_size: int = BATCH_SIZE,
) -> LoadReport:
    """Bring the three tables in line with `geography`, in one transaction.

    The models are parameters so that migrations can pass their historical models.
    With `prune`, rows absent from the file are deleted, except those still protected by
    a foreign key (kept and listed in `stale`); users living in a deleted commune lose it.
    """
    regions = {code: {"name": name} for code, name in geography.regions}
    departements = {code: {"name": name, "region_id": region} for code, name, region in geography.departements}
    communes = {
        code: {
            "name": name,
            "search_name": normalize_name(name),
            "departement_id": departement,
            "population": population,
            "postcodes": postcodes,
        }
        for code, name, departement, population, postcodes in geography.communes
    }
    with transaction.atomic(using=using):
        report = LoadReport(
            regions=_sync(region_model, regions, using, batch_size),
            departements=_sync(departement_model, departements, using, batch_size),
            communes=_sync(commune_model, communes, using, batch_size),
        )
        if prune:
            for model, table in (
                (commune_model, report.communes),
                (departement_model, report.departements),
                (region_model, report.regions),
            ):
                table.deleted = _delete_unprotected(model, table.stale, using)
                table.stale = [code for code in table.stale if code not in set(table.deleted)]
    return report


def _sync(model: type[models.Model], wanted: dict[str, dict[str, Any]], using: str, batch_size: int) -> TableReport:
    if not wanted:
        return TableReport(stale=sorted(model._default_manager.using(using).values_list("pk", flat=True)))
    fields = list(next(iter(wanted.values())))
    manager = model._default_manager.using(using)
    existing = {row[0]: row[1:] for row in manager.values_list("pk", *fields).iterator(chunk_size=batch_size)}
    new, changed = [], []
    for code, values in wanted.items():
        if code not in existing:
            new.append(model(pk=code, **values))
        elif tuple(values.values()) != existing[code]:
            changed.append(model(pk=code, **values))
    manager.bulk_create(new, batch_size=batch_size)
    if changed:
        manager.bulk_update(changed, [name.removesuffix("_id") for name in fields], batch_size=batch_size // 4)
    return TableReport(
        created=len(new),
        updated=len(changed),
        unchanged=len(wanted) - len(new) - len(changed),
        stale=sorted(set(existing) - set(wanted)),
    )


def _delete_unprotected(model: type[models.Model], codes: list[str], using: str) -> list[str]:
    deleted = []
    for code in codes:
        try:
            with transaction.atomic(using=using):
                model._default_manager.using(using).filter(pk=code).delete()
        except ProtectedError:
            continue
        deleted.append(code)
    return deleted
