"""Atom feeds: new processes, answers, each process's contributions."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from terreau.opendata import feeds
from terreau.opendata.feeds import FeedEntry, register_contribution_source
from terreau.processes.models import InstitutionAnswer, Process
from tests.api.conftest import XSS
from tests.conftest import make_process

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def read_feed(client, url: str) -> tuple[str, ET.Element]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    raw = response.content.decode()
    return raw, ET.fromstring(raw)  # noqa: S314 - our own feed


def entries(root: ET.Element) -> list[dict[str, str]]:
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def contribution_source():
    """A module's contribution source, registered for one test."""
    saved = dict(feeds._sources)
    items: list[FeedEntry] = []

    def source(process: Process, limit: int) -> list[FeedEntry]:
        return [item for item in items if item.link.startswith(f"/demarches/{process.slug}/")][:limit]

    register_contribution_source("test", source)
    yield items
    feeds._sources.clear()
    feeds._sources.update(saved)


def test_new_processes_feed(client, public_data):
    _raw, root = read_feed(client, "/donnees/flux/demarches.atom")
    items = entries(root)
    assert {i["link"].rsplit("/", 2)[-2] for i in items} == {
        "ouverte",
        "archivee",
        "en-retard",
        "regionale",
        "communale",
    }
    assert all(i["author"] in {"Ville de Test", "Autre Ville"} for i in items)
    assert root.findtext(f"{ATOM}rights") == "Licence Ouverte 2.0 (Etalab)"


def test_answers_feed_has_public_answers_only(client, public_data):
    InstitutionAnswer.objects.create(process=public_data.draft, body="Secret", published_at=timezone.now())
    _raw, root = read_feed(client, "/donnees/flux/reponses.atom")
    items = entries(root)
    assert [i["title"] for i in items] == ["Réponse : Démarche lyonnaise", "Réponse : Démarche archivée"]
    assert items[0]["summary"] == "<p>Notre réponse.</p>"
    assert items[0]["link"].endswith("/demarches/communale/#answer-title")
    assert "Secret" not in _raw


def test_process_feed_404_for_drafts_like_unknown(client, public_data, inst_admin):
    client.force_login(inst_admin)
    assert client.get("/donnees/flux/demarches/brouillon.atom").status_code == 404
    assert client.get("/donnees/flux/demarches/inconnue.atom").status_code == 404
    assert "brouillon" not in client.get("/donnees/flux/demarches.atom").content.decode()


def test_process_feed_collects_registered_sources(client, public_data, contribution_source):
    now = timezone.now()
    contribution_source.extend(
        [
            FeedEntry("obs-1", "Première", now - datetime.timedelta(days=2), "/demarches/ouverte/#o1", text="Texte 1"),
            FeedEntry("obs-2", "Seconde", now, "/demarches/ouverte/#o2", html="<p>HTML <em>sûr</em></p>"),
            FeedEntry("obs-3", "Ailleurs", now, "/demarches/archivee/#o3", text="Autre démarche"),
        ]
    )
    _raw, root = read_feed(client, "/donnees/flux/demarches/ouverte.atom")
    items = entries(root)
    assert [i["title"] for i in items] == ["Seconde", "Première"]  # newest first, this process only
    assert items[0]["summary"] == "<p>HTML <em>sûr</em></p>"
    assert items[0]["id"] == "tag:terreau,contribution:obs-2"
    assert root.findtext(f"{ATOM}title") == "Terreau — contributions : Démarche ouverte"
    assert client.get("/donnees/flux/demarches/archivee.atom").status_code == 200


def test_markup_is_escaped_in_feeds(client, institution, contribution_source):
    process = make_process(institution, slug="xss", title=XSS, answered_days_ago=0)
    Process.objects.filter(pk=process.pk).update(summary=XSS)
    InstitutionAnswer.objects.filter(process=process).update(body=XSS + "\n\n[lien](javascript:alert(1))")
    contribution_source.append(FeedEntry("c1", XSS, timezone.now(), "/demarches/xss/#c1", text=XSS, author=XSS))
    for url in ("/donnees/flux/demarches.atom", "/donnees/flux/reponses.atom", "/donnees/flux/demarches/xss.atom"):
        raw, root = read_feed(client, url)
        assert "<script" not in raw and "<svg" not in raw and "<img" not in raw, url
        for item in entries(root):
            assert item["title"] in (XSS, f"Réponse : {XSS}")  # plain text, escaped by XML
            # Summaries are HTML: the reader must see text, not elements.
            assert "<script" not in item["summary"] and "<img" not in item["summary"]
            assert "javascript:" not in item["summary"]
    _raw, root = read_feed(client, "/donnees/flux/demarches.atom")
    assert entries(root)[0]["summary"].startswith("&lt;script&gt;")


def test_site_pages_link_the_feed(client):
    html = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/donnees/flux/demarches.atom"' in html
