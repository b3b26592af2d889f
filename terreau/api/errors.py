"""One error shape for the whole API: {"error": {"code", "message", "details"}}.

Registered on the NinjaAPI (404, validation, HttpError including throttling, any other
exception), plus `json_error_response` for the few answers produced outside an operation
(unknown path under /api/, method not allowed).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError, Throttled, ValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("django.request")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}

# "<", ">" and "&" are written as \u003c, \u003e, \u0026: the JSON means the same, and no
# browser or careless template can ever read markup in it (SECURITY.md #1).
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def dumps(data: Any, **kwargs: Any) -> str:
    from ninja.responses import NinjaJSONEncoder

    return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False, **kwargs).translate(_JSON_ESCAPES)


def default_message(status: int) -> str:
    messages = {
        400: _("Requête invalide."),
        401: _("Authentification requise."),
        403: _("Accès refusé."),
        404: _("Ressource introuvable."),
        405: _("Méthode non autorisée."),
        422: _("Paramètres invalides."),
        429: _("Trop de requêtes : réessayez dans un moment."),
        500: _("Erreur interne du serveur."),
    }
    return str(messages.get(status, _("Erreur.")))


def error_body(status: int, message: str | None = None, details: list[dict[str, Any]] | None = None) -> dict:
    return {
        "error": {
            "code": CODES.get(status, "error"),
            "message": message or default_message(status),
            "details": details or [],
        }
    }


def json_error_response(status: int, message: str | None = None, details: list | None = None) -> HttpResponse:
    return HttpResponse(
        dumps(error_body(status, message, details)), status=status, content_type="application/json; charset=utf-8"
    )


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else None
        field = ".".join(loc[1:]) or None
        details.append(
            {"location": location, "field": field, "message": error.get("msg", ""), "type": error.get("type")}
        )
    return details


def register_exception_handlers(api: NinjaAPI) -> None:
    def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, error_body(404), status=404)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, error_body(422, details=_validation_details(exc.errors)), status=422)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        message = None if isinstance(exc, Throttled) else exc.message
        response = api.create_response(request, error_body(status, message), status=status)
        if isinstance(exc, Throttled) and exc.wait:
            response["Retry-After"] = str(max(1, round(exc.wait)))
        return response

    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Same reporting as Django's own 500s (logs, admin emails, error trackers), but the
        # client gets the JSON error body and never a traceback, even with DEBUG on.
        logger.error("API error: %s %s", request.method, request.path, exc_info=exc)
        got_request_exception.send(sender=None, request=request)
        return api.create_response(request, error_body(500), status=500)

    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Exception, on_exception)
