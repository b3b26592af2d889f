"""Comments of a process: the API endpoint and the process's Atom feed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from terreau.discussions import services as discussions
from terreau.moderation import services as moderation
from terreau.processes.models import Process
from tests.api.conftest import XSS
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def thread(public_data, citizen, moderator):
    """On the open process: a comment, a reply, a hidden comment; one on another process."""
    association = make_user("asso@example.org", name="Les Amis du Parc", kind="association")
    first = discussions.post_comment(citizen, public_data.open, "Premier **avis** argumenté.")
    reply = discussions.post_comment(association, public_data.open, "Une réponse.", parent=first)
    hidden = discussions.post_comment(citizen, public_data.open, "Texte injurieux à masquer.")
    moderation.hide(moderator, hidden, reason="harassment", note="Propos insultants")
    discussions.post_comment(citizen, public_data.late, "Sur une autre démarche.")
    return {"first": first, "reply": reply, "hidden": hidden, "citizen": citizen, "association": association}


def test_comments_of_a_process(client, thread):
    response = client.get("/api/processes/ouverte/comments")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2  # the hidden one is left out, the other process's too
    first, reply = body["results"]
    assert first["id"] == thread["first"].pk and first["depth"] == 0 and first["parent_id"] is None
    assert first["body"] == "Premier **avis** argumenté."
    assert first["body_html"] == "<p>Premier <strong>avis</strong> argumenté.</p>"
    assert first["target"] == {"type": "processes.process", "id": thread["first"].object_id}
    assert first["author_kind"] == "citizen"
    assert first["url"].endswith(f"/demarches/ouverte/#commentaire-{thread['first'].pk}")
    assert reply["parent_id"] == first["id"] and reply["thread_id"] == first["id"] and reply["depth"] == 1
    assert reply["author_kind"] == "association"


def test_hidden_comments_and_personal_data_never_leave(client, thread):
    raw = client.get("/api/processes/ouverte/comments?limit=100").content.decode()
    assert "injurieux" not in raw and str(thread["hidden"].pk) not in [str(c["id"]) for c in json.loads(raw)["results"]]
    for user in (thread["citizen"], thread["association"]):
        assert user.email not in raw and user.display_name not in raw


def test_comments_of_a_draft_are_404_like_unknown(client, public_data):
    assert (
        client.get("/api/processes/brouillon/comments").json() == client.get("/api/processes/inconnue/comments").json()
    )
    assert client.get("/api/processes/brouillon/comments").status_code == 404


def test_comment_pagination_and_bounds(client, thread):
    page = client.get("/api/processes/ouverte/comments?limit=1&page=2").json()
    assert page["offset"] == 1 and [c["id"] for c in page["results"]] == [thread["reply"].pk]
    assert client.get("/api/processes/ouverte/comments?limit=101").status_code == 422


def test_comment_markup_is_inert(client, public_data, citizen):
    discussions.post_comment(citizen, public_data.open, XSS)
    response = client.get("/api/processes/ouverte/comments")
    assert "<" not in response.content.decode()
    html = response.json()["results"][0]["body_html"]
    assert "<script" not in html and "<svg" not in html and "onerror" not in html.replace("&", "")


def test_process_feed_lists_public_comments(client, thread, citizen):
    discussions.post_comment(citizen, Process.objects.get(slug="ouverte"), XSS)
    response = client.get("/donnees/flux/demarches/ouverte.atom")
    assert response.status_code == 200
    raw = response.content.decode()
    assert "injurieux" not in raw and "<script" not in raw and "<svg" not in raw
    assert citizen.display_name not in raw and citizen.email not in raw
    root = ET.fromstring(raw)  # noqa: S314 - our own feed
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3  # newest first: the XSS one, the reply, the first
    assert entries[-1].findtext(f"{ATOM}title") == "Commentaire : Premier avis argumenté."
    assert entries[-1].findtext(f"{ATOM}summary") == "<p>Premier <strong>avis</strong> argumenté.</p>"
    assert entries[-1].findtext(f"{ATOM}author/{ATOM}name") == "Citoyen·ne"
    assert "<script" not in entries[0].findtext(f"{ATOM}summary")
    assert client.get("/donnees/flux/demarches/brouillon.atom").status_code == 404
