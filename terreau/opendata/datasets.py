"""What an app or a module declares to publish a dataset (docs/opendata.md).

Only types live here so that any app may import them without pulling the views in:

    Dataset(
        name="petitions",                      # URL: /donnees/petitions.csv
        title=_("Pétitions"),
        description=_("…"),
        columns=(Column("slug", "string", _("Identifiant")), Column("signatures", "integer", _("Signatures"))),
        rows=lambda ctx: ({"slug": p.slug, "signatures": p.count} for p in Petition.objects.public().iterator()),
        count=lambda: Petition.objects.public().count(),
    )

`rows` receives an `ExportContext` and yields one dict per row, keyed by column name,
holding only public data (no drafts, no hidden content, no personal data). Values are
str, int, float, bool, date, datetime or None.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}

# Table Schema field types we use (https://specs.frictionlessdata.io/table-schema/).
COLUMN_TYPES = frozenset({"string", "integer", "number", "boolean", "date", "datetime"})


@dataclass(frozen=True)
class ExportContext:
    """What `rows` may need: absolute URLs and the day the export is made."""

    base_url: str
    today: datetime.date

    def absolute(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    title: Any = ""
    description: Any = ""
    constraints: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"Unknown column type {self.type!r} for {self.name!r}")


@dataclass(frozen=True)
class Location:
    """Where a row is drawn on a map: a GeoJSON geometry and the territory it comes from."""

    geometry: dict[str, Any]
    level: str  # "region", "departement", "commune", "point"...
    code: str = ""


@dataclass(frozen=True)
class Dataset:
    name: str
    title: Any
    description: Any
    columns: tuple[Column, ...]
    rows: Callable[[ExportContext], Iterable[dict[str, Any]]]
    count: Callable[[], int] | None = None
    # row -> Location, or None to leave the row out of the GeoJSON. No `locate`, no GeoJSON.
    locate: Callable[[dict[str, Any]], Location | None] | None = None
    primary_key: tuple[str, ...] = ()
    # Who publishes it: "terreau" for the shared apps, the module's name otherwise.
    source: str = "terreau"
    # Said on the open data page and in the metadata (e.g. how rows are placed on the map).
    notes: Any = ""

    @property
    def has_geojson(self) -> bool:
        return self.locate is not None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]
