"""The open data page and the dataset downloads (CSV, Table Schema, JSON, GeoJSON)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from terreau.opendata import exports
from terreau.opendata.datasets import LICENCE, Dataset, ExportContext
from terreau.opendata.feeds import feed_links

MAX_AGE = 300  # seconds: downloads may be a few minutes old


def _context(request: HttpRequest) -> ExportContext:
    return ExportContext(base_url=request.build_absolute_uri("/"), today=timezone.localdate())


def _dataset_or_404(name: str, geojson: bool = False) -> Dataset:
    dataset = exports.get_dataset(name)
    if dataset is None or (geojson and not dataset.has_geojson):
        raise Http404
    return dataset


def _open(response: HttpResponse) -> HttpResponse:
    """Open data: anyone may read it from any origin (no cookie, no personal data)."""
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _stream(chunks: Iterator[str], content_type: str, filename: str | None = None) -> StreamingHttpResponse:
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks), content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    _open(response)
    return response


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    ctx = _context(request)
    datasets = []
    for dataset in exports.all_datasets():
        datasets.append(
            {
                "dataset": dataset,
                "count": dataset.count() if dataset.count else None,
                "urls": exports.urls(dataset, ctx),
            }
        )
    return render(
        request,
        "opendata/index.html",
        {
            "datasets": datasets,
            "feeds": feed_links(),
            "licence": LICENCE,
            "datapackage_url": reverse("opendata:datapackage"),
            "api_docs_url": reverse("api:openapi-view"),
        },
    )


def _download(fmt: str) -> Callable[[HttpRequest, str], HttpResponse]:
    @require_safe
    @cache_control(public=True, max_age=MAX_AGE)
    def view(request: HttpRequest, name: str) -> HttpResponse:
        dataset = _dataset_or_404(name, geojson=fmt == "geojson")
        ctx = _context(request)
        if fmt == "csv":
            return _stream(exports.stream_csv(dataset, ctx), "text/csv; charset=utf-8", f"terreau-{dataset.name}.csv")
        if fmt == "json":
            return _stream(exports.stream_json(dataset, ctx), "application/json; charset=utf-8")
        if fmt == "geojson":
            return _stream(exports.stream_geojson(dataset, ctx), "application/geo+json; charset=utf-8")
        return _open(
            JsonResponse(exports.table_schema(dataset, ctx), json_dumps_params={"ensure_ascii": False, "indent": 2})
        )

    view.__name__ = f"download_{fmt}"
    return view


download_csv = _download("csv")
download_json = _download("json")
download_geojson = _download("geojson")
download_schema = _download("schema")


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def datapackage(request: HttpRequest) -> HttpResponse:
    package = exports.datapackage(exports.all_datasets(), _context(request))
    return _open(JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 2}))
