"""URLs under /api/: the NinjaAPI, an index, and JSON errors for everything else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, re_path, reverse

from terreau.api.api import api
from terreau.api.errors import json_error_response


def public_api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Error answers made outside an operation (e.g. 405) get the API's error body, and any
    origin may read the answers: the API is public, read-only and never uses the session."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            replacement = json_error_response(response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            response = replacement
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


@public_api_view
def index(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "openapi": request.build_absolute_uri(reverse("api:openapi-json")),
            "docs": request.build_absolute_uri(reverse("api:openapi-view")),
            "licence": "Licence Ouverte 2.0 (Etalab)",
        }
    )


@public_api_view
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return json_error_response(404)


def _wrapped(patterns: list[Any]) -> list[Any]:
    result = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern = URLPattern(pattern.pattern, public_api_view(pattern.callback), pattern.default_args, pattern.name)
        result.append(pattern)
    return result


_api_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("", index, name="api-index"),
    path("", (_wrapped(_api_patterns), _app_name, _namespace)),
    re_path(r"^(?P<rest>.*)$", not_found),
]
