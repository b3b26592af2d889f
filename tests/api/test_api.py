"""The public API: every endpoint, drafts, pagination bounds, filters, errors, escaping."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from terreau.processes.models import Institution, Process
from tests.api.conftest import XSS
from tests.conftest import make_process

pytestmark = pytest.mark.django_db


def get(client: Client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


def assert_error(body: dict, code: str) -> dict:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


# --- Endpoints ----------------------------------------------------------------------------
def test_index_points_to_the_documents(client):
    body = get(client, "/api/")
    assert body["openapi"].endswith("/api/openapi.json")
    assert body["docs"].endswith("/api/docs")


def test_institutions(client, public_data):
    body = get(client, "/api/institutions")
    assert body["count"] == 2
    by_slug = {i["slug"]: i for i in body["results"]}
    assert by_slug["ville-de-test"]["process_count"] == 3  # open, archived, communal; not the draft
    assert by_slug["ville-de-test"]["kind"] == "commune"
    assert by_slug["ville-de-test"]["url"].endswith("/institutions/ville-de-test/")
    assert get(client, "/api/institutions?q=autre")["count"] == 1
    assert get(client, "/api/institutions?kind=region")["count"] == 0
    detail = get(client, "/api/institutions/autre-ville")
    assert detail["name"] == "Autre Ville" and detail["process_count"] == 2
    assert_error(get(client, "/api/institutions/inconnue", 404), "not_found")


def test_process_list_and_filters(client, public_data):
    body = get(client, "/api/processes")
    slugs = {p["slug"] for p in body["results"]}
    assert slugs == {"ouverte", "archivee", "en-retard", "regionale", "communale"}
    assert body["count"] == 5
    assert {p["slug"] for p in get(client, "/api/processes?status=archived")["results"]} == {"archivee"}
    assert "archivee" not in {p["slug"] for p in get(client, "/api/processes?status=published")["results"]}
    open_slugs = {p["slug"] for p in get(client, "/api/processes?status=open")["results"]}
    assert open_slugs == {"ouverte", "regionale", "communale"}
    assert [p["slug"] for p in get(client, "/api/processes?scope_level=region")["results"]] == ["regionale"]
    assert {p["slug"] for p in get(client, "/api/processes?institution=autre-ville")["results"]} == {
        "en-retard",
        "regionale",
    }
    assert [p["slug"] for p in get(client, "/api/processes?q=lyonnaise")["results"]] == ["communale"]
    assert [p["slug"] for p in get(client, "/api/processes?q=Lyon")["results"]] == ["communale"]  # territory name
    titles = [p["title"] for p in get(client, "/api/processes?order=title")["results"]]
    assert titles == sorted(titles)


def test_process_item_shape(client, public_data):
    item = next(p for p in get(client, "/api/processes")["results"] if p["slug"] == "communale")
    assert item["scope"] == {"level": "commune", "code": "69123", "name": "Lyon"}
    assert item["institution"] == {"slug": "ville-de-test", "name": "Ville de Test"}
    assert item["is_open"] is True
    assert item["current_phase"]["state"] == "current"
    assert item["answer_status"]["state"] == "answered_on_time"
    national = next(p for p in get(client, "/api/processes")["results"] if p["slug"] == "ouverte")
    assert national["scope_level"] == "national" and national["scope"] is None


def test_process_detail_with_contract_and_answer(client, public_data):
    body = get(client, "/api/processes/archivee")
    assert body["status"] == "archived"
    assert body["contract"]["decision_maker"] == "Le conseil municipal"
    assert body["answer"]["body"] == "Notre réponse."
    assert body["answer"]["body_html"] == "<p>Notre réponse.</p>"
    assert body["answer_status"] == {
        "state": "answered_late",
        "due": body["contract"]["answer_due"],
        "answered_on": body["answer_status"]["answered_on"],
        "days_left": None,
        "days_late": 3,
    }
    assert body["body_html"] == "<p>Le <strong>corps</strong> de la démarche.</p>"
    assert [p["kind"] for p in body["phases"]] == ["contribution"]
    assert body["modules"] == []
    assert "created_by" not in body and "published_by" not in json.dumps(body)


def test_phases_and_contract(client, public_data):
    phases = get(client, "/api/processes/ouverte/phases")
    assert phases == [
        {
            "kind": "contribution",
            "kind_label": "Contribution",
            "title": "Contributions",
            "description": "",
            "start_date": phases[0]["start_date"],
            "end_date": phases[0]["end_date"],
            "state": "current",
        }
    ]
    contract = get(client, "/api/processes/ouverte/contract")
    assert contract["objective"] == "Objectif" and contract["use_of_contributions"] == "Synthèse publique"


def test_contract_missing_is_404(client, institution):
    make_process(institution, slug="sans-contrat", contract=False)
    assert_error(get(client, "/api/processes/sans-contrat/contract", 404), "not_found")
    assert get(client, "/api/processes/sans-contrat")["answer_status"] is None


def test_answers_tracker(client, public_data):
    body = get(client, "/api/answers")
    states = [(a["process"]["slug"], a["state"]) for a in body["results"]]
    # Late first, then due (soonest first), then answered (most recent first).
    assert states[0] == ("en-retard", "late")
    assert [s for _slug, s in states] == ["late", "due", "due", "answered_on_time", "answered_late"]
    late = body["results"][0]
    assert late["days_late"] == 3 and late["days_left"] is None
    assert late["institution"]["slug"] == "autre-ville"
    due = body["results"][1]
    assert due["days_left"] == 30 and due["days_late"] == 0
    assert get(client, "/api/answers?state=late")["count"] == 1
    assert get(client, "/api/answers?state=pending")["count"] == 3
    assert get(client, "/api/answers?state=answered")["count"] == 2
    assert get(client, "/api/answers?institution=autre-ville")["count"] == 2
    summary = get(client, "/api/answers/summary")
    assert summary == {"on_time": 1, "answered_late": 1, "late": 1, "due": 2}


def test_territories(client):
    regions = get(client, "/api/territories/regions?limit=100")
    assert regions["count"] == 18 and {"code": "84", "name": "Auvergne-Rhône-Alpes"} in regions["results"]
    assert get(client, "/api/territories/regions/84")["name"] == "Auvergne-Rhône-Alpes"
    deps = get(client, "/api/territories/departements?region=84&limit=100")
    assert "69" in {d["code"] for d in deps["results"]} and deps["count"] == 12
    rhone = get(client, "/api/territories/departements/69")
    assert rhone["region"] == {"code": "84", "name": "Auvergne-Rhône-Alpes"}
    assert get(client, "/api/territories/departements/2A")["name"] == "Corse-du-Sud"
    lyon = get(client, "/api/territories/communes/69123")
    assert lyon["name"] == "Lyon" and "69001" in lyon["postcodes"] and lyon["departement"]["code"] == "69"
    found = get(client, "/api/territories/communes?q=saint-etienne&limit=3")
    assert found["results"][0]["code"] == "42218"
    assert get(client, "/api/territories/communes?q=69001")["results"][0]["name"] == "Lyon"
    in_rhone = get(client, "/api/territories/communes?departement=69&limit=1")
    assert in_rhone["count"] > 200 and in_rhone["results"][0]["departement"]["code"] == "69"
    assert get(client, "/api/territories/communes?q=%21%21%21")["count"] == 0
    assert_error(get(client, "/api/territories/communes/99999", 404), "not_found")
    assert_error(get(client, "/api/territories/communes/lyon", 422), "validation_error")
    assert_error(get(client, "/api/territories/regions/99", 404), "not_found")


# --- Drafts -------------------------------------------------------------------------------
def test_draft_is_404_on_every_api_path_like_an_unknown_slug(client, public_data, inst_admin):
    client.force_login(inst_admin)  # even for a member of its institution: the API is public only
    for suffix in ("", "/phases", "/contract"):
        draft = get(client, f"/api/processes/brouillon{suffix}", 404)
        unknown = get(client, f"/api/processes/inconnue{suffix}", 404)
        assert draft == unknown
    everything = json.dumps(
        [
            get(client, "/api/processes?limit=100"),
            get(client, "/api/processes?q=Brouillon"),
            get(client, "/api/answers?limit=100"),
            get(client, "/api/institutions/ville-de-test"),
        ]
    )
    assert "brouillon" not in everything.lower() and "Brouillon secret" not in everything


# --- Pagination ---------------------------------------------------------------------------
def test_pagination_envelope_and_links(client, public_data):
    first = get(client, "/api/processes?limit=2")
    assert (first["count"], first["limit"], first["offset"], first["previous"]) == (5, 2, 0, None)
    assert len(first["results"]) == 2
    second = get(client, first["next"].removeprefix("http://testserver"))
    assert second["offset"] == 2
    assert parse_qs(urlsplit(second["previous"]).query) == {"limit": ["2"], "offset": ["0"]}
    third = get(client, "/api/processes?limit=2&page=3")
    assert third["offset"] == 4 and len(third["results"]) == 1 and third["next"] is None
    seen = [p["slug"] for page in (first, second, third) for p in page["results"]]
    assert len(set(seen)) == 5
    beyond = get(client, "/api/processes?offset=500")
    assert beyond["results"] == [] and beyond["count"] == 5 and beyond["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=-1", "page"),
        ("page=0", "page"),
        ("limit=1000000000", "limit"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("offset=99999999999999999999", "offset"),
        ("page=1.5", "page"),
        ("status=draft", "status"),
        ("scope_level=planet", "scope_level"),
        ("order=user__password", "order"),
        ("order=-created_by__email", "order"),
        ("q=" + "x" * 101, "q"),
        ("institution=%3Cscript%3E", "institution"),
    ],
)
def test_bad_values_get_a_clean_422(client, public_data, query, field):
    error = assert_error(get(client, f"/api/processes?{query}", 422), "validation_error")
    assert [d["field"] for d in error["details"]] == [field]
    assert error["details"][0]["location"] == "query"


def test_page_replaces_offset(client, public_data):
    assert get(client, "/api/processes?page=2&offset=0&limit=2")["offset"] == 2


def test_unknown_filter_keys_are_ignored(client, public_data):
    baseline = get(client, "/api/processes")
    for query in ("author__email__startswith=a", "created_by__password=x", "status__in=draft", "ordering=-pk"):
        assert get(client, f"/api/processes?{query}") == baseline


def test_search_text_is_only_a_value(client, public_data):
    for q in ("%", "_", "' OR 1=1 --", "\\", "a%00b", "%27%22%3B"):
        assert get(client, f"/api/processes?q={q}")["count"] == 0
        get(client, f"/api/territories/communes?q={q}")


# --- Errors -------------------------------------------------------------------------------
def test_unknown_path_and_method_answer_json_errors(client):
    assert_error(get(client, "/api/nothing/here", 404), "not_found")
    assert_error(get(client, "/api/processes/", 404), "not_found")
    response = client.post("/api/processes")
    assert response.status_code == 405 and response["Content-Type"].startswith("application/json")
    assert_error(response.json(), "method_not_allowed")
    assert "GET" in response["Allow"]


def test_server_error_is_json_without_traceback(public_data, monkeypatch, caplog):
    from terreau.processes import api as processes_api

    client = Client(raise_request_exception=False)

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(processes_api, "process_out", explode)
    response = client.get("/api/processes")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = assert_error(response.json(), "server_error")
    assert "secret" not in response.content.decode() and error["details"] == []
    assert "secret internal detail" in caplog.text  # reported to the logs


def test_server_error_is_json_with_debug_too(public_data, monkeypatch, settings):
    from terreau.processes import api as processes_api

    client = Client(raise_request_exception=False)

    settings.DEBUG = True
    monkeypatch.setattr(processes_api, "public_process_or_404", lambda slug: 1 / 0)
    response = client.get("/api/processes/ouverte")
    assert response.status_code == 500 and "ZeroDivisionError" not in response.content.decode()
    assert_error(response.json(), "server_error")


def test_rate_limit_answers_429_with_the_error_body(client, settings):
    settings.TERREAU_API_RATE = "3/m"
    for _ in range(3):
        get(client, "/api/territories/regions/84")
    response = client.get("/api/territories/regions/84")
    assert response.status_code == 429 and response["Content-Type"].startswith("application/json")
    assert_error(response.json(), "rate_limited")
    assert int(response["Retry-After"]) >= 1
    # A made-up X-Forwarded-For does not buy a new allowance (no proxy is trusted by default).
    assert client.get("/api/territories/regions/84", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


# --- Escaping -----------------------------------------------------------------------------
def test_markup_is_escaped_in_json(client, institution):
    process = make_process(institution, slug="xss", title=XSS)
    Process.objects.filter(pk=process.pk).update(summary=XSS, body=XSS)
    Institution.objects.filter(pk=institution.pk).update(name=XSS, description=XSS)
    for url in ("/api/processes", "/api/processes/xss", "/api/institutions", "/api/answers"):
        response = client.get(url)
        raw = response.content.decode()
        assert "<" not in raw and ">" not in raw, url
        assert response["X-Content-Type-Options"] == "nosniff"
    body = get(client, "/api/processes/xss")
    assert body["title"] == XSS  # the same text once parsed
    assert "<script" not in body["body_html"] and "onerror" not in body["body_html"]


def test_cors_allows_reading_from_anywhere(client):
    assert client.get("/api/territories/regions")["Access-Control-Allow-Origin"] == "*"
