"""htmx is sent only to pages whose markup uses it."""

from __future__ import annotations

import pytest

HTMX = b"terreau/js/htmx"


@pytest.mark.django_db
def test_a_page_without_htmx_attributes_does_not_load_the_library(client):
    response = client.get("/credits/")
    assert response.status_code == 200
    assert HTMX not in response.content
    assert b"terreau/js/terreau" in response.content


@pytest.mark.django_db
def test_a_page_with_a_live_search_loads_it_once_in_the_head(client):
    response = client.get("/territoires/communes/")
    assert response.status_code == 200
    content = response.content
    assert b" hx-get=" in content
    assert content.count(HTMX) == 1
    assert content.index(HTMX) < content.index(b"</head>")


@pytest.mark.django_db
def test_htmx_partials_are_left_alone(client):
    response = client.get("/territoires/communes/?q=lille", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert HTMX not in response.content


def test_escaped_text_or_json_is_never_rewritten(rf):
    from django.http import HttpResponse, JsonResponse

    from terreau.core.middleware import HtmxOnDemandMiddleware

    html = HttpResponse("<html><head></head><body><p>x</p></body></html>")
    json = JsonResponse({"a": "<html><head></head><body hx-get='/'>"})
    for response in (html, json):
        before = response.content
        assert HtmxOnDemandMiddleware(lambda request, r=response: r)(rf.get("/")).content == before
