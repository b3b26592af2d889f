"""Section counters kept exact through moderation and merges; the random order read from a
stored key; what the argument form shows after a refused no-JS submit; bad input."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from terreau.consultations import queries, services
from terreau.consultations.models import Contribution, ContributionVote, Section, SectionVote, Source
from terreau.consultations.ranking import SHUFFLE_MODULUS, new_shuffle_key, shuffle_start
from terreau.moderation import services as moderation
from tests.conftest import make_user

from .conftest import article, make_consultation, open_module

pytestmark = pytest.mark.django_db


def url(consultation, suffix: str = "") -> str:
    return f"/consultations/{consultation.attached_id}/{suffix}"


def counts(section: Section) -> tuple[int, int, int]:
    section.refresh_from_db()
    return section.amendment_count, section.proposal_count, section.argument_count


def text_counts(client, consultation, section: Section) -> tuple[int, int, int]:
    """The three counters the text page prints under the article."""
    html = client.get(url(consultation)).content.decode()
    block = html[html.index(f'id="{section.anchor}"') :]
    block = block[: block.index("</section>")]
    found = [re.search(rf"(\d+) {word}", block) for word in ("amendement", "proposition", "argument")]
    return tuple(int(m.group(1)) for m in found)


# --- counters -------------------------------------------------------------------------------------


def test_hide_restore_and_merge_keep_the_section_counters_exact(
    client, consultation, art1, citizen, other_citizen, moderator
):
    a = services.post_contribution(citizen, art1, kind="amendment", body="Extinction toute la nuit.")
    b = services.post_contribution(other_citizen, art1, kind="amendment", body="Extinction de minuit à six heures.")
    services.post_contribution(citizen, art1, kind="proposal", title="Une idée", body="Des capteurs de présence.")
    services.post_contribution(other_citizen, art1, kind="argument", stance="for", body="Oui.", parent=a)
    assert counts(art1) == (2, 1, 1)
    assert text_counts(client, consultation, art1) == (2, 1, 1)

    moderation.hide(moderator, a, reason="spam")
    assert counts(art1) == (1, 1, 1)  # its argument stays listed (readable on the section)
    assert text_counts(client, consultation, art1) == (1, 1, 1)  # at once, not a cache minute later

    moderation.restore(moderator, a)
    assert counts(art1) == (2, 1, 1)
    assert text_counts(client, consultation, art1) == (2, 1, 1)

    services.merge(moderator, b, a)
    assert counts(art1) == (1, 1, 1)
    assert text_counts(client, consultation, art1) == (1, 1, 1)


def test_merge_across_articles_moves_the_arguments_counts(consultation, art1, citizen, other_citizen, moderator):
    art2 = article(consultation, "2")
    target = services.post_contribution(citizen, art1, kind="proposal", title="A", body="Une idée.")
    duplicate = services.post_contribution(other_citizen, art2, kind="proposal", title="B", body="La même idée.")
    services.post_contribution(citizen, art2, kind="argument", stance="against", body="Non.", parent=duplicate)
    assert counts(art1) == (0, 1, 0) and counts(art2) == (0, 1, 1)
    services.merge(moderator, duplicate, target)
    assert counts(art1) == (0, 1, 1) and counts(art2) == (0, 0, 0)


def test_offline_contributions_count_and_new_versions_carry_the_counters(
    consultation, art1, citizen, facilitator, inst_admin
):
    services.enter_offline_contribution(
        facilitator, art1, kind="proposal", title="Réunion", body="Noté en réunion.", source="Réunion de Dijon"
    )
    services.post_contribution(citizen, art1, kind="amendment", body="Extinction toute la nuit.")
    assert counts(art1) == (1, 1, 0)
    art2 = article(consultation, "2")
    services.publish_version(
        inst_admin, consultation, bodies={art2.pk: "Nouvelle rédaction."}, led_by={}, note="Article 2 réécrit."
    )
    copy = article(consultation, "1er")
    assert copy.pk != art1.pk and counts(copy) == (1, 1, 0)  # unchanged wording: contributions follow it
    assert counts(art1) == (0, 0, 0)


def test_recount_repairs_counters_written_outside_the_services(consultation, art1, citizen):
    c = services.post_contribution(citizen, art1, kind="amendment", body="Extinction toute la nuit.")
    Contribution.objects.filter(pk=c.pk).update(status="hidden", hidden_reason="spam", hidden_at=c.created_at)
    assert counts(art1) == (1, 0, 0)
    services.recount_sections([art1.pk])
    assert counts(art1) == (0, 0, 0)


# --- random order ---------------------------------------------------------------------------------


def test_shuffle_keys_and_starts_are_in_range():
    assert all(0 <= new_shuffle_key() < SHUFFLE_MODULUS for _ in range(100))
    assert shuffle_start("a") == shuffle_start("a") != shuffle_start("b")
    assert 0 <= shuffle_start("") < SHUFFLE_MODULUS


def _posted(consultation, n: int) -> list[Contribution]:
    art1 = article(consultation, "1er")
    authors = [make_user(f"p{i}@example.org", name=f"P {i}") for i in range(n)]
    return [
        services.post_contribution(u, art1, kind="amendment", body=f"Rédaction numéro {i}.")
        for i, u in enumerate(authors)
    ]


def test_random_pages_read_the_circular_order_from_the_visitors_start(consultation):
    posted = _posted(consultation, 45)
    for i, c in enumerate(posted):  # known keys, spread around the circle
        Contribution.objects.filter(pk=c.pk).update(shuffle_key=(i * 7919) % 45 * 1000)
    keyed = sorted((Contribution.objects.get(pk=c.pk).shuffle_key, c.pk) for c in posted)
    for seed in ("visiteur-1", "visiteur-2", "x" * 16):
        start = shuffle_start(seed) % 45_000  # somewhere among the keys above
        expected = [pk for key, pk in keyed if key >= start] + [pk for key, pk in keyed if key < start]
        qs = queries.listed(consultation.contributions.all())
        got = [pk for page in range(3) for pk in queries.rotated_ids(qs, start, page * 20, 20)]
        assert got == expected
        assert queries.rotated_ids(qs, start, 45, 20) == []


def test_random_list_is_stable_per_visitor_and_shows_late_contributions(client, consultation):
    posted = _posted(consultation, 30)

    def listed() -> list[int]:
        ids = []
        for page in (1, 2):
            html = client.get(url(consultation, f"contributions/?sort=random&page={page}")).content.decode()
            ids += [int(n) for n in re.findall(r"n° (\d+)", html)]
        return ids

    first = listed()
    assert sorted(first) == sorted(c.pk for c in posted)
    assert listed() == first  # stable for this visitor (session seed)
    key = client.session.session_key
    # A late contribution lands at a random place; the others keep their order around it.
    late = services.post_contribution(
        make_user("tard@example.org"), article(consultation, "1er"), kind="amendment", body="Tardive."
    )
    again = listed()
    assert late.pk in again and [pk for pk in again if pk != late.pk] == first
    assert client.session.session_key == key and client.session["consultation_seed"]


# --- the argument form after a refused submit (JavaScript off) -----------------------------------


def _details(html: str) -> str:
    return re.search(r'<details class="cs-source-fields"[^>]*>', html).group(0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source_url": "http://localhost/etude", "source_title": "Étude", "source_kind": "study"}, "réseau interne"),
        ({"source_url": "pas une adresse", "source_title": "Étude", "source_kind": "study"}, "adresse"),
        ({"source_url": "https://example.org/e", "source_title": "Étude", "source_kind": ""}, "type de source"),
        ({"source_url": "https://example.org/e", "source_title": "", "source_kind": "study"}, "obligatoire"),
        ({"source_url": "", "source_title": "Étude sans adresse", "source_kind": "study"}, "adresse de la source"),
    ],
)
def test_refused_source_reopens_the_details_with_the_error_and_the_input(
    client, consultation, art1, citizen, data, message
):
    client.force_login(citizen)
    body = "Un argument que je ne veux pas retaper."
    response = client.post(url(consultation, f"sections/{art1.pk}/argument/"), {"stance": "for", "body": body, **data})
    html = response.content.decode()
    assert response.status_code == 400
    assert " open" in _details(html)
    details = html[html.index('<details class="cs-source-fields"') : html.index("</details>")]
    assert message in details  # the error sits next to the field, inside the open details
    assert body in html
    for value in (data["source_url"], data["source_title"]):
        if value:
            assert f'value="{value}"' in details
    assert not Contribution.objects.exists() and not Source.objects.exists()


def test_refused_argument_keeps_the_details_closed_when_no_source_was_given(client, consultation, art1, citizen):
    client.force_login(citizen)
    response = client.post(url(consultation, f"sections/{art1.pk}/argument/"), {"stance": "for", "body": ""})
    assert response.status_code == 400
    assert " open" not in _details(response.content.decode())


def test_refused_source_on_an_argument_about_a_contribution(client, consultation, art1, citizen, other_citizen):
    target = services.post_contribution(citizen, art1, kind="amendment", body="Extinction toute la nuit.")
    client.force_login(other_citizen)
    response = client.post(
        url(consultation, f"c/{target.pk}/argument/"),
        {"stance": "against", "body": "Non.", "source_url": "ftp://example.org/x", "source_title": "X"},
    )
    assert response.status_code == 400
    assert " open" in _details(response.content.decode())
    assert Contribution.objects.count() == 1


# --- bad input (issue list) ---------------------------------------------------------------------


XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.mark.parametrize("body", ["", "   \n\t ", "x" * 50_000])
def test_empty_and_huge_amendments_are_refused_and_write_nothing(client, consultation, art1, citizen, body):
    with pytest.raises(ValidationError):
        services.post_contribution(citizen, art1, kind="amendment", body=body)
    client.force_login(citizen)
    response = client.post(
        url(consultation, f"sections/{art1.pk}/amender/"), {"body": body, "action": "publish", "token": "a" * 32}
    )
    assert response.status_code in (400, 404)
    assert not Contribution.objects.exists()


def test_html_in_every_field_is_shown_as_text(client, consultation, art1, citizen, association, inst_admin):
    amendment = services.post_contribution(
        citizen, art1, kind="amendment", title=XSS, body=XSS + " nouvelle rédaction", explanation=XSS
    )
    proposal = services.post_contribution(citizen, art1, kind="proposal", title=XSS, body=XSS)
    arg = services.post_contribution(association, art1, kind="argument", stance="for", body=XSS, parent=amendment)
    services.add_source(association, arg, url="https://example.org/x?q=<script>", title=XSS, kind="study")
    services.answer(inst_admin, proposal, verdict="retained", explanation=XSS)
    pages = [
        url(consultation),
        url(consultation, f"sections/{art1.pk}/"),
        url(consultation, f"c/{amendment.pk}/"),
        url(consultation, f"c/{proposal.pk}/"),
        url(consultation, f"c/{arg.pk}/"),
        url(consultation, "contributions/"),
        url(consultation, "reponses/"),
    ]
    for page in pages:
        response = client.get(page)
        if response.status_code == 404:
            continue
        html = response.content.decode()
        assert "<script>alert(1)" not in html and 'onerror="alert(2)"' not in html, page


def test_votes_refused_when_the_phase_closes_on_hidden_items_and_across_processes(
    institution, consultation, art1, citizen, other_citizen, moderator
):
    c = services.post_contribution(citizen, art1, kind="amendment", body="Extinction toute la nuit.")
    moderation.hide(moderator, c, reason="spam")
    c.refresh_from_db()
    with pytest.raises(ValidationError):
        services.cast_vote(other_citizen, c, "agree")
    other = make_consultation(institution, slug="autre-vote")
    foreign = services.post_contribution(citizen, article(other, "1er"), kind="amendment", body="Ailleurs.")
    with pytest.raises(PermissionDenied):  # another process's item cannot be folded into this one
        services.merge(moderator, foreign, c)
    open_module(consultation.attached, votes_open=False)
    art1.refresh_from_db()
    with pytest.raises(ValidationError):
        services.cast_vote(other_citizen, art1, "agree")
    assert not ContributionVote.objects.exists() and not SectionVote.objects.exists()


def test_vote_on_another_consultations_item_through_this_url_is_404(client, institution, consultation, citizen):
    other = make_consultation(institution, slug="autre-url")
    foreign = services.post_contribution(citizen, article(other, "1er"), kind="amendment", body="Ailleurs.")
    client.force_login(citizen)
    assert client.post(url(consultation, f"c/{foreign.pk}/vote/"), {"choice": "agree"}).status_code == 404
    assert (
        client.post(url(consultation, f"sections/{article(other, '1er').pk}/vote/"), {"choice": "agree"}).status_code
        == 404
    )
    assert not ContributionVote.objects.exists() and not SectionVote.objects.exists()


def test_double_submits_write_once(client, consultation, art1, citizen):
    client.force_login(citizen)
    token = "b" * 32
    data = {"body": "Extinction toute la nuit.", "explanation": "", "action": "publish", "token": token}
    first = client.post(url(consultation, f"sections/{art1.pk}/amender/"), data)
    second = client.post(url(consultation, f"sections/{art1.pk}/amender/"), data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    arg = {"stance": "for", "body": "Un seul argument.", "token": "c" * 32}
    client.post(url(consultation, f"sections/{art1.pk}/argument/"), arg)
    client.post(url(consultation, f"sections/{art1.pk}/argument/"), arg)
    assert Contribution.objects.filter(kind="amendment").count() == 1
    assert Contribution.objects.filter(kind="argument").count() == 1
    assert counts(art1) == (1, 0, 1)
    client.post(url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "agree"})
    client.post(url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "agree"})
    art1.refresh_from_db()
    assert SectionVote.objects.count() == 1 and art1.agree_count == 1
