"""The public, read-only API: one NinjaAPI that assembles the routers of every app.

Core routers come from the shared apps' `api.py`; participation modules plug theirs in
through their manifest's `api_router` (a dotted path to a ninja Router), mounted under
/api/modules/<name>/. See docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.throttling import AnonRateThrottle

from terreau.api.docs import ServerRenderedDocs
from terreau.api.errors import dumps, register_exception_handlers

# Requests per anonymous client (IP address); settings.TERREAU_API_RATE overrides it,
# None turns throttling off.
DEFAULT_RATE = "300/m"


class EscapingJSONRenderer(JSONRenderer):
    """JSON with <, > and & written as unicode escapes (same data once parsed)."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> str:
        return dumps(data)


class AnonymousThrottle(AnonRateThrottle):
    """Cache-based throttle per client IP; the rate is read from the settings at each request."""

    scope = "terreau_api"

    def __init__(self) -> None:
        super().__init__(rate=DEFAULT_RATE)

    def get_ident(self, request: HttpRequest) -> str | None:
        """REMOTE_ADDR unless NINJA_NUM_PROXIES says how many proxies to trust: ninja would
        otherwise key on a client-supplied X-Forwarded-For, which a client can vary at will."""
        from ninja.conf import settings as ninja_settings

        if ninja_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR")
        return super().get_ident(request)

    def allow_request(self, request: HttpRequest) -> bool:
        rate = getattr(settings, "TERREAU_API_RATE", DEFAULT_RATE)
        if rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)


api = NinjaAPI(
    title="Terreau API",
    version="1",
    description=(
        "Public, read-only API of Terreau: institutions, participatory processes with their "
        "participation contract and phases, the institutions' answer tracker, and French "
        "geography. Drafts are never exposed. Licence Ouverte 2.0 (Etalab) for the data."
    ),
    urls_namespace="api",
    docs=ServerRenderedDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=EscapingJSONRenderer(),
    throttle=[AnonymousThrottle()],
)
register_exception_handlers(api)

api.add_router("", "terreau.processes.api.router")
api.add_router("", "terreau.api.comments.router")
api.add_router("/territories", "terreau.territories.api.router")
api.add_router("", "terreau.synthesis.api.router")


def mount_module_routers(target: NinjaAPI) -> list[str]:
    """Mount each registered module's `api_router` under /modules/<name>; returns the names."""
    from terreau.processes.modules import registry

    mounted = []
    for manifest in registry.all():
        if manifest.api_router:
            target.add_router(f"/modules/{manifest.name}", manifest.api_router, tags=[str(manifest.verbose_name)])
            mounted.append(manifest.name)
    return mounted


mount_module_routers(api)
