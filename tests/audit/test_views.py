import hashlib
import json

import pytest

from terreau.audit.models import GENESIS_HASH
from terreau.audit.services import canonical_json, record_event
from tests.audit.helpers import make_chain, raw_events, tampering
from tests.conftest import make_process

pytestmark = pytest.mark.django_db

XSS = '<svg onload=alert(1)>"><img src=x onerror=alert(2)>'


def test_empty_page_and_head(client):
    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Journal d'audit" in html and "Aucun événement pour l'instant." in html
    assert client.get("/audit/head.json").json() == {"sequence": 0, "hash": GENESIS_HASH, "created_at": None}


def test_page_shows_head_counts_and_events(client, process, inst_admin):
    record_event("process.published", actor=inst_admin, target=process, data={"slug": process.slug})
    last = record_event("test.other")
    html = client.get("/audit/").content.decode()
    assert "Chaîne intacte" in html
    assert last.hash[:16] in html and "<wbr>" in html
    assert "Démarche publiée" in html and "<code>test.other</code>" in html
    assert f'href="/demarches/{process.slug}/"' in html and process.title in html
    assert 'scope="col"' in html and 'scope="row"' in html and "<caption" in html
    assert "Système" in html
    assert inst_admin.email not in html and inst_admin.display_name not in html
    assert "u:" in html
    assert "Journal d'audit</a>" in html  # footer link


def test_head_json(client):
    events = make_chain(3)
    response = client.get("/audit/head.json")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["sequence"] == 3 and body["hash"] == events[-1].hash
    assert body["created_at"].endswith("+00:00") and "." in body["created_at"]
    assert client.post("/audit/head.json").status_code == 405


def test_html_in_data_is_escaped(client):
    record_event("test.xss", data={"title": XSS, XSS: "key"})
    html = client.get("/audit/").content.decode()
    assert "<svg" not in html and "<img src=x" not in html
    assert "&lt;svg onload=alert(1)&gt;" in html


def test_draft_target_gets_no_link_nor_title(client, institution, inst_admin):
    draft = make_process(institution, slug="brouillon-secret", status="draft", title="Titre secret")
    record_event("test.draft", actor=inst_admin, target=draft)
    html = client.get("/audit/").content.decode()
    assert "Titre secret" not in html and "brouillon-secret" not in html
    assert f"n° {draft.pk}" in html


def test_pagination(client):
    make_chain(120)
    first = client.get("/audit/").content.decode()
    assert "Page 1 sur 3" in first
    assert '<th scope="row">120</th>' in first and '<th scope="row">71</th>' in first
    assert '<th scope="row">70</th>' not in first
    third = client.get("/audit/?page=3").content.decode()
    assert '<th scope="row">20</th>' in third and '<th scope="row">1</th>' in third
    assert '<th scope="row">21</th>' not in third
    for bad in ("abc", "999", "-1", XSS):
        assert client.get("/audit/", {"page": bad}).status_code == 200


def test_page_reports_a_broken_chain(client):
    make_chain(3)
    with tampering():
        raw_events().filter(sequence=2).update(kind="test.forged")
    html = client.get("/audit/").content.decode()
    assert "Chaîne rompue" in html and "n° 2" in html


def test_events_json_lets_anyone_recompute_the_chain(client, process, citizen):
    record_event("test.a", actor=citizen, target=process, data={"z": "é", "a": [1, {"y": None, "b": True}]})
    make_chain(4)
    collected, after = [], 0
    while after is not None:
        body = client.get("/audit/events.json", {"after": after, "limit": 2}).json()
        collected += body["events"]
        after = body["next_after"]
    assert [e["sequence"] for e in collected] == [1, 2, 3, 4, 5]
    # An outside verifier needs nothing but the documented formula.
    prev = "0" * 64
    for event in collected:
        fields = {k: event[k] for k in ("sequence", "created_at", "kind", "actor", "target_type", "target_id", "data")}
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert text == canonical_json(fields)
        assert event["prev_hash"] == prev
        prev = hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        assert event["hash"] == prev
    assert body["head"]["hash"] == prev


@pytest.mark.parametrize("query", ["after=-1", "after=abc", "limit=0", "limit=501", f"after={XSS}", "after=1e3"])
def test_events_json_validates_its_parameters(client, query):
    response = client.get(f"/audit/events.json?{query}")
    assert response.status_code == 400
    assert "<svg" not in response.content.decode()
