"""Open data of the territories app: régions, départements, communes (INSEE COG).

Région and département contours come from the simplified shipped files
(static/territories/geo/*.geojson); communes have no geometry in our data, so they are
published as CSV and JSON only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from terreau.opendata.datasets import Column, Dataset, ExportContext, Location
from terreau.territories.models import Commune, Departement, Region

CHUNK = 2000


@cache
def contours(level: str) -> dict[str, dict[str, Any]]:
    """{INSEE code: GeoJSON geometry} for "region" or "departement" (read once per process)."""
    filename = {"region": "regions.geojson", "departement": "departements.geojson"}[level]
    path = Path(apps.get_app_config("territories").path) / "static" / "territories" / "geo" / filename
    with path.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    return {feature["properties"]["code"]: feature["geometry"] for feature in collection["features"]}


def locate_territory(level: str, code: str | None) -> Location | None:
    geometry = contours(level).get(code or "")
    return Location(geometry, level, code or "") if geometry else None


def _regions(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    for region in Region.objects.order_by("code").iterator(chunk_size=CHUNK):
        yield {"code": region.code, "name": region.name}


def _departements(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    for dep in Departement.objects.select_related("region").order_by("code").iterator(chunk_size=CHUNK):
        yield {"code": dep.code, "name": dep.name, "region_code": dep.region_id, "region_name": dep.region.name}


def _communes(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    rows = (
        Commune.objects.order_by("code")
        .values_list("code", "name", "departement_id", "departement__region_id", "population", "postcodes")
        .iterator(chunk_size=CHUNK)
    )
    for code, name, departement, region, population, postcodes in rows:
        yield {
            "code": code,
            "name": name,
            "departement_code": departement,
            "region_code": region,
            "population": population,
            "postcodes": postcodes,
        }


CODE = Column("code", "string", _("Code INSEE"), constraints={"required": True, "unique": True})
NAME = Column("name", "string", _("Nom"), constraints={"required": True})

DATASETS = (
    Dataset(
        name="regions",
        title=_("Régions"),
        description=_("Les régions françaises (Code officiel géographique de l'INSEE), avec leur contour simplifié."),
        columns=(CODE, NAME),
        rows=_regions,
        count=lambda: Region.objects.count(),
        locate=lambda row: locate_territory("region", row["code"]),
        primary_key=("code",),
    ),
    Dataset(
        name="departements",
        title=_("Départements"),
        description=_("Les départements, leur région et leur contour simplifié."),
        columns=(
            CODE,
            NAME,
            Column("region_code", "string", _("Code INSEE de la région")),
            Column("region_name", "string", _("Région")),
        ),
        rows=_departements,
        count=lambda: Departement.objects.count(),
        locate=lambda row: locate_territory("departement", row["code"]),
        primary_key=("code",),
    ),
    Dataset(
        name="communes",
        title=_("Communes"),
        description=_(
            "Les communes avec leur département, leur région, leur population et leurs codes postaux. "
            "Sans géométrie : nos données n'ont pas de coordonnées pour les communes."
        ),
        columns=(
            CODE,
            NAME,
            Column("departement_code", "string", _("Code INSEE du département")),
            Column("region_code", "string", _("Code INSEE de la région")),
            Column("population", "integer", _("Population municipale")),
            Column("postcodes", "string", _("Codes postaux"), _("Codes postaux séparés par une espace.")),
        ),
        rows=_communes,
        count=lambda: Commune.objects.count(),
        primary_key=("code",),
    ),
)
