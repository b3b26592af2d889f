#!/usr/bin/env python3
"""Build the French geography shipped with Terreau (regions, départements, communes).

Source: the npm package @etalab/decoupage-administratif (INSEE Code officiel géographique,
populations, La Poste postcodes), installed with npm into a temporary directory. Output:
terreau/territories/data/territories.json.gz, a compact gzipped JSON read by the
territories data migration and by `manage.py load_territories`.

    python tools/build_territories.py                 # npm install @etalab/decoupage-administratif@6
    python tools/build_territories.py --package-dir node_modules/@etalab/decoupage-administratif

Only metropolitan France and the five overseas départements (DROM) are kept by default:
18 régions, 101 départements. `--include-com` also keeps the overseas collectivities
(Saint-Pierre-et-Miquelon, Polynésie française, ...), which INSEE lists with pseudo-codes.
Only current communes ("commune-actuelle") are kept, not delegated/associated communes
nor the municipal arrondissements of Paris, Lyon and Marseille.

No Django import: this runs before the database exists. Output is deterministic (sorted,
gzip without timestamp), so an unchanged source gives a byte-identical file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
DEFAULT_SPEC = "6"
REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "terreau" / "territories" / "data" / "territories.json.gz"
KEPT_ZONES = {"metro", "drom"}
FORMAT_VERSION = 1


def npm_install(spec: str, into: Path) -> Path:
    """Install PACKAGE@spec under `into` and return the package directory."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is required (apt-get install npm) or pass --package-dir.")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(into), f"{PACKAGE}@{spec}"],
        check=True,
    )
    return into / "node_modules" / PACKAGE


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def build(package_dir: Path, *, include_com: bool = False) -> dict:
    """Derive the compact geography from the package's data directory."""
    zones = KEPT_ZONES | ({"com"} if include_com else set())
    version = read_json(package_dir / "package.json").get("version", "?")
    data = package_dir / "data"

    regions = sorted((r["code"], r["nom"]) for r in read_json(data / "regions.json") if r["zone"] in zones)
    region_codes = {code for code, _ in regions}
    departements = sorted(
        (d["code"], d["nom"], d["region"])
        for d in read_json(data / "departements.json")
        if d["zone"] in zones and d["region"] in region_codes
    )
    departement_codes = {code for code, _, _ in departements}
    communes = sorted(
        (
            c["code"],
            c["nom"],
            c["departement"],
            int(c.get("population") or 0),
            " ".join(sorted(set(c.get("codesPostaux") or []))),
        )
        for c in read_json(data / "communes.json")
        if c["type"] == "commune-actuelle" and c["departement"] in departement_codes
    )
    return {
        "format": FORMAT_VERSION,
        "source": {
            "package": PACKAGE,
            "version": version,
            "url": "https://github.com/etalab/decoupage-administratif",
            "data": "INSEE Code officiel géographique and populations; La Poste postcodes",
            "licence": "Licence Ouverte 2.0 (data); MIT (package)",
        },
        "regions": [list(row) for row in regions],
        "departements": [list(row) for row in departements],
        "communes": [list(row) for row in communes],
    }


def write(geography: dict, output: Path) -> int:
    """Write the gzipped JSON deterministically; return its size in bytes."""
    payload = json.dumps(geography, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(payload)
    return output.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default=DEFAULT_SPEC, help=f"npm version spec of {PACKAGE} (default: {DEFAULT_SPEC})")
    parser.add_argument("--package-dir", type=Path, help="use an already installed package directory (no npm)")
    parser.add_argument("--include-com", action="store_true", help="also keep the overseas collectivities (COM)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    if args.package_dir:
        geography = build(args.package_dir, include_com=args.include_com)
    else:
        with tempfile.TemporaryDirectory(prefix="terreau-territories-") as tmp:
            geography = build(npm_install(args.spec, Path(tmp)), include_com=args.include_com)

    size = write(geography, args.output)
    print(
        f"{PACKAGE} {geography['source']['version']}: {len(geography['regions'])} régions, "
        f"{len(geography['departements'])} départements, {len(geography['communes'])} communes "
        f"-> {args.output.relative_to(REPO_ROOT) if args.output.is_relative_to(REPO_ROOT) else args.output} "
        f"({size / 1024:.0f} KiB)"
    )
    print("Load it into an existing database with: python manage.py load_territories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
