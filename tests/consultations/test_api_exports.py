"""API read endpoints, open data exports and the synthesis source of the consultation module."""

from __future__ import annotations

import csv
import io
import json

import pytest

from terreau.consultations import services
from terreau.consultations.exports import voter_pseudonym
from terreau.moderation import services as moderation
from terreau.synthesis.sources import get_source

from .conftest import article, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(consultation, art1, citizen, association, other_citizen, inst_admin, facilitator, moderator):
    amendment = services.post_contribution(citizen, art1, kind="amendment", body="Extinction de minuit à six heures.")
    arg = services.post_contribution(
        association, art1, kind="argument", stance="for", body='=HYPERLINK("https://evil.example")', parent=amendment
    )
    services.add_source(association, arg, url="https://www.ofb.gouv.fr/etude", title="Étude OFB", kind="study")
    hidden = services.post_contribution(other_citizen, art1, kind="amendment", body="Texte caché.")
    moderation.hide(moderator, hidden, reason="spam")
    services.cast_vote(citizen, art1, "agree")
    services.cast_vote(other_citizen, amendment, "disagree")
    services.enter_offline_votes(facilitator, art1, counts={"mitigated": 2}, source="Réunion de Dijon")
    services.answer(inst_admin, amendment, verdict="retained", explanation="Retenu.")
    return {"amendment": amendment, "argument": arg, "hidden": hidden}


def test_api_text(client, consultation, filled, art1):
    data = client.get(f"/api/modules/consultation/{consultation.attached_id}").json()
    assert data["text_title"] == "Projet de décret relatif aux trames noires"
    row = next(s for s in data["sections"] if s["id"] == art1.pk)
    assert (row["agree"], row["mitigated"], row["amendments"], row["arguments"]) == (1, 2, 1, 1)
    assert [v["number"] for v in data["versions"]] == [1]


def test_api_contributions_leave_out_hidden_ones(client, consultation, filled):
    base = f"/api/modules/consultation/{consultation.attached_id}"
    data = client.get(f"{base}/contributions").json()
    ids = {c["id"] for c in data["results"]}
    assert filled["hidden"].pk not in ids and filled["amendment"].pk in ids
    one = client.get(f"{base}/contributions/{filled['argument'].pk}").json()
    assert one["stance"] == "for" and one["sources"][0]["title"] == "Étude OFB"
    assert "author" not in one and "email" not in json.dumps(one)
    assert client.get(f"{base}/contributions/{filled['hidden'].pk}").status_code == 404
    assert client.get(f"{base}/contributions?kind=amendment&answer=retained").json()["count"] == 1
    assert client.get(f"{base}/contributions?sort=user__password").status_code == 422
    answers = client.get(f"{base}/answers").json()
    assert answers["results"][0]["verdict"] == "retained"


def test_api_hides_drafts(client, institution):
    draft = make_consultation(institution, slug="brouillon-api", status="draft")
    for suffix in ("", "/contributions", "/answers"):
        assert client.get(f"/api/modules/consultation/{draft.attached_id}{suffix}").status_code == 404


def _csv(client, name):
    response = client.get(f"/donnees/{name}.csv")
    assert response.status_code == 200, name
    return list(
        csv.DictReader(
            io.StringIO(
                b"".join(response.streaming_content).decode("utf-8-sig")
                if hasattr(response, "streaming_content")
                else response.content.decode("utf-8-sig")
            )
        )
    )


def test_exports(client, consultation, filled, citizen, other_citizen):
    contributions = _csv(client, "consultation-contributions")
    assert [int(r["id"]) for r in contributions] == [filled["amendment"].pk]
    assert contributions[0]["answer"] == "retained"
    arguments = _csv(client, "consultation-arguments")
    assert arguments[0]["body"].startswith("'=") or not arguments[0]["body"].startswith("=")  # formula neutralised
    assert _csv(client, "consultation-sources")[0]["url"] == "https://www.ofb.gouv.fr/etude"
    votes = _csv(client, "consultation-votes")
    voters = {r["voter"] for r in votes}
    assert voter_pseudonym(consultation.pk, citizen.pk) in voters
    assert "" in voters  # offline votes have no voter
    assert not any(str(citizen.pk) == v or citizen.email in v for v in voters)
    assert {r["origin"] for r in votes} == {"online", "offline"}
    assert _csv(client, "consultation-answers")[0]["verdict"] == "retained"
    schema = client.get("/donnees/consultation-votes.schema.json")
    assert schema.status_code == 200


def test_voter_pseudonyms_differ_between_consultations(institution, citizen):
    assert voter_pseudonym(1, citizen.pk) != voter_pseudonym(2, citizen.pk)
    assert voter_pseudonym(1, citizen.pk) == voter_pseudonym(1, citizen.pk)


def test_synthesis_source(consultation, filled):
    source = get_source("consultations.contributions")
    attached = consultation.attached
    assert source.applies_to(attached) and source.is_public(attached)
    items = list(source.contributions(attached))
    assert source.count(attached) == len(items) == 2
    by_id = {c.id: c for c in items}
    arg = by_id[str(filled["argument"].pk)]
    assert arg.author_kind == "association" and arg.stance == "for"
    assert arg.parent_id == str(filled["amendment"].pk)
    amendment = by_id[str(filled["amendment"].pk)]
    assert amendment.supports == 0 and amendment.stance is None
    assert source.contribution_url(attached, amendment.id).endswith(f"/c/{filled['amendment'].pk}/")
    assert source.institution(attached) == attached.process.institution


def test_contributions_are_commentable_and_reportable(consultation, art1, citizen, other_citizen):
    from terreau.discussions import services as discussions
    from terreau.moderation import services as moderation

    c = services.post_contribution(citizen, art1, kind="amendment", body="À commenter.")
    comment = discussions.post_comment(other_citizen, c, "Bonne idée.")
    assert comment.process == consultation.attached.process
    report = moderation.report(other_citizen, c, reason="spam")
    assert report.pk
    other_art = article(consultation, "2")
    assert other_art.pk
