"""The open data catalogue: every app's and module's datasets, and their formats.

Datasets come from the shared apps' `exports.py` (processes, territories) and from each
module manifest's `exports` ({key: callable returning a Dataset}); see docs/opendata.md.
Writers stream row by row so memory stays flat whatever the size of the table.
"""

from __future__ import annotations

import csv
import datetime
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from django.urls import reverse

from terreau.opendata.datasets import LICENCE, Dataset, ExportContext

logger = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Spreadsheets run cells starting with these as formulas (SECURITY.md #2).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Same escapes as the API: the JSON means the same, but never reads as markup.
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
PUBLISHER = "Terreau"


def core_datasets() -> list[Dataset]:
    from terreau.discussions.exports import DATASETS as DISCUSSION_DATASETS
    from terreau.processes.exports import DATASETS as PROCESS_DATASETS
    from terreau.territories.exports import DATASETS as TERRITORY_DATASETS

    return [*PROCESS_DATASETS, *DISCUSSION_DATASETS, *TERRITORY_DATASETS]


# Apps that are not process modules (petitions, synthesis) register dataset factories here
# from their AppConfig.ready(): register_dataset("petitions", petitions_dataset).
APP_DATASETS: dict[str, Callable[[], Dataset]] = {}


def register_dataset(source: str, factory: Callable[[], Dataset]) -> None:
    APP_DATASETS[f"{source}:{getattr(factory, '__name__', id(factory))}"] = factory


def all_datasets() -> list[Dataset]:
    """Core datasets, then each module's (from its manifest's `exports`), then the apps'
    registered with register_dataset(); names unique."""
    from terreau.processes.modules import registry

    datasets = core_datasets()
    names = {d.name for d in datasets}
    sources = [(m.name, m.exports.items()) for m in registry.all()]
    sources += [(key.split(":", 1)[0], [(key, factory)]) for key, factory in APP_DATASETS.items()]
    for source_name, exports in sources:
        for key, factory in exports:
            dataset = factory()
            if not isinstance(dataset, Dataset) or not NAME_PATTERN.match(dataset.name) or dataset.name in names:
                logger.warning("Module %s: export %r ignored (not a Dataset, bad or taken name)", source_name, key)
                continue
            if dataset.source == "terreau":
                dataset = replace(dataset, source=source_name)
            datasets.append(dataset)
            names.add(dataset.name)
    return datasets


def get_dataset(name: str) -> Dataset | None:
    return next((d for d in all_datasets() if d.name == name), None)


# --- Values -------------------------------------------------------------------------------
def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _utc(value: datetime.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return _utc(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value))


def json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return _utc(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


# --- Descriptors --------------------------------------------------------------------------
def urls(dataset: Dataset, ctx: ExportContext) -> dict[str, str]:
    result = {fmt: ctx.absolute(reverse(f"opendata:{fmt}", args=[dataset.name])) for fmt in ("csv", "json", "schema")}
    if dataset.has_geojson:
        result["geojson"] = ctx.absolute(reverse("opendata:geojson", args=[dataset.name]))
    return result


def table_schema(dataset: Dataset, ctx: ExportContext) -> dict[str, Any]:
    """The Frictionless Table Schema of the dataset's CSV, with its licence."""
    fields = []
    for column in dataset.columns:
        entry: dict[str, Any] = {"name": column.name, "type": column.type}
        if column.title:
            entry["title"] = str(column.title)
        if column.description:
            entry["description"] = str(column.description)
        if column.type == "datetime":
            entry["format"] = "default"  # ISO 8601 in UTC: 2026-03-01T08:30:00Z
        if column.constraints:
            entry["constraints"] = column.constraints
        fields.append(entry)
    schema: dict[str, Any] = {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": dataset.name,
        "title": str(dataset.title),
        "description": str(dataset.description),
        "fields": fields,
        "missingValues": [""],
        "licenses": [LICENCE],
        "publisher": PUBLISHER,
        "path": urls(dataset, ctx)["csv"],
    }
    if dataset.primary_key:
        schema["primaryKey"] = list(dataset.primary_key)
    return schema


def metadata(dataset: Dataset, ctx: ExportContext) -> dict[str, Any]:
    """Header of the JSON and GeoJSON files."""
    return {
        "name": dataset.name,
        "title": str(dataset.title),
        "description": str(dataset.description),
        "license": LICENCE,
        "publisher": PUBLISHER,
        "source": dataset.source,
        "generated_at": _utc(datetime.datetime.now(datetime.UTC)),
        "notes": str(dataset.notes) or None,
        "urls": urls(dataset, ctx),
    }


def datapackage(datasets: Iterable[Dataset], ctx: ExportContext) -> dict[str, Any]:
    """A Frictionless Data Package listing every CSV with its schema."""
    resources = []
    for dataset in datasets:
        links = urls(dataset, ctx)
        resources.append(
            {
                "name": dataset.name,
                "title": str(dataset.title),
                "description": str(dataset.description),
                "path": links["csv"],
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": links["schema"],
                "licenses": [LICENCE],
            }
        )
    return {
        "name": "terreau",
        "title": "Terreau — données ouvertes",
        "licenses": [LICENCE],
        "homepage": ctx.absolute(reverse("opendata:index")),
        "resources": resources,
    }


# --- Streams ------------------------------------------------------------------------------
class _Line:
    """A write-only file for csv.writer: returns what it is given."""

    def write(self, value: str) -> str:
        return value


def stream_csv(dataset: Dataset, ctx: ExportContext) -> Iterator[str]:
    writer = csv.writer(_Line())
    names = dataset.column_names
    yield writer.writerow(names)
    for row in dataset.rows(ctx):
        yield writer.writerow([csv_cell(row.get(name)) for name in names])


def _row_json(dataset: Dataset, row: dict[str, Any]) -> dict[str, Any]:
    return {name: json_value(row.get(name)) for name in dataset.column_names}


def stream_json(dataset: Dataset, ctx: ExportContext) -> Iterator[str]:
    head = dumps(metadata(dataset, ctx))
    yield head[:-1] + ',"data":['
    for index, row in enumerate(dataset.rows(ctx)):
        yield ("," if index else "") + "\n" + dumps(_row_json(dataset, row))
    yield "\n]}\n"


def stream_geojson(dataset: Dataset, ctx: ExportContext) -> Iterator[str]:
    """A FeatureCollection; rows without a location are left out. Metadata as foreign members."""
    assert dataset.locate is not None
    head = dumps({"type": "FeatureCollection", "metadata": metadata(dataset, ctx)})
    yield head[:-1] + ',"features":['
    first = True
    for row in dataset.rows(ctx):
        location = dataset.locate(row)
        if location is None:
            continue
        properties = _row_json(dataset, row)
        properties.update({"geometry_level": location.level, "geometry_code": location.code})
        feature = {"type": "Feature", "properties": properties, "geometry": location.geometry}
        yield ("" if first else ",") + "\n" + dumps(feature)
        first = False
    yield "\n]}\n"
