"""Comments in open data: visible ones only, never a name, formulas neutralised."""

import csv
import io
import json

import pytest

from terreau.discussions import services as discussions
from terreau.moderation import services as moderation
from tests.conftest import make_process, make_user, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def comments(institution):
    process = make_process(institution, slug="ouverte")
    draft = make_process(institution, slug="brouillon-secret", status="draft")
    author = make_user("auteur@example.org", name="Nom Très Personnel", kind="association")
    visible = discussions.post_comment(author, process, '=HYPERLINK("http://evil.example") avis public')
    hidden = discussions.post_comment(author, process, "Texte injurieux à masquer.")
    moderation.hide(member(institution, "moderator"), hidden, reason="harassment", note="")
    return {"process": process, "draft": draft, "visible": visible, "hidden": hidden}


def test_csv_has_visible_comments_only_without_names(client, comments):
    response = client.get("/donnees/commentaires.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [int(r["id"]) for r in rows] == [comments["visible"].pk]
    assert rows[0]["author_kind"] == "association"
    assert rows[0]["body"].startswith("'=HYPERLINK")
    assert "injurieux" not in body and "Nom Très Personnel" not in body and "auteur@example.org" not in body


def test_json_and_schema(client, comments):
    data = json.loads(b"".join(client.get("/donnees/commentaires.json").streaming_content))
    text = json.dumps(data, ensure_ascii=False)
    assert "injurieux" not in text and "Nom Très Personnel" not in text
    schema = client.get("/donnees/commentaires.schema.json").json()
    assert [f["name"] for f in schema["fields"]][:2] == ["id", "process_slug"]
    assert "commentaires" in client.get("/donnees/").content.decode()
