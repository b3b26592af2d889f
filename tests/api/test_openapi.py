"""The OpenAPI document and the server-rendered documentation page."""

from __future__ import annotations

import re

import pytest
import schemathesis

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/institutions",
    "/api/institutions/{slug}",
    "/api/processes",
    "/api/processes/{slug}",
    "/api/processes/{slug}/phases",
    "/api/processes/{slug}/contract",
    "/api/processes/{slug}/comments",
    "/api/answers",
    "/api/answers/summary",
    "/api/territories/regions",
    "/api/territories/regions/{code}",
    "/api/territories/departements",
    "/api/territories/departements/{code}",
    "/api/territories/communes",
    "/api/territories/communes/{code}",
}


def test_openapi_document_is_valid(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()  # OpenAPI 3.1 meta-schema
    assert set(document["paths"]) >= EXPECTED_PATHS
    for path, methods in document["paths"].items():
        assert set(methods) == {"get"}, path  # read-only
        responses = methods["get"]["responses"]
        assert "200" in responses and "429" in responses, path
        for status, response_doc in responses.items():
            if status != "200":
                ref = response_doc["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (path, status)


def test_docs_page_needs_no_cdn_and_no_script(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" not in html.lower()
    # Every stylesheet and script comes from this site (no CDN, no other host).
    assets = re.findall(r"<(?:script|link)[^>]*(?:src|href)=\"([^\"]+)\"", html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", html)
    assert all(src.startswith("/static/") for src in scripts)
    assert "<script>" not in html  # nothing inline (CSP)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for path in EXPECTED_PATHS:
        assert f"<code>{path}</code>" in html, path
    assert "limit" in html and "Licence Ouverte 2.0" in html
    assert 'href="/api/openapi.json"' in html
    assert "&quot;count&quot;" in html  # example answers


def test_a_module_router_is_mounted_from_its_manifest():
    """The registry hook: a manifest's api_router is mounted under /modules/<name>."""
    from ninja import NinjaAPI, Router

    from terreau.api.api import mount_module_routers
    from terreau.processes.modules import ModuleManifest, registry

    router = Router()

    @router.get("/ping")
    def ping(request) -> dict:
        return {"pong": True}

    manifest = ModuleManifest(name="zz-test", verbose_name="Test", description="", api_router=f"{__name__}.ROUTER")
    globals()["ROUTER"] = router
    registry.register(manifest)
    try:
        target = NinjaAPI(urls_namespace="test-modules")
        assert "zz-test" in mount_module_routers(target)
        paths = target.get_openapi_schema(path_prefix="/api/")["paths"]
        assert "/api/modules/zz-test/ping" in paths
    finally:
        registry._modules.pop("zz-test")
