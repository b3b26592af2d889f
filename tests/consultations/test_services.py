"""The consultation services: what participants and staff may do, and what bad input gets."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from terreau.audit.models import AuditEvent
from terreau.consultations import services
from terreau.consultations.models import (
    Answer,
    Contribution,
    ContributionVote,
    Section,
    SectionVote,
    Source,
    TextVersion,
)
from terreau.consultations.ranking import contested_score
from tests.conftest import make_user, member

from .conftest import article, make_consultation, open_module

pytestmark = pytest.mark.django_db


def amend(user, section, body="Les éclairages publics sont éteints toute la nuit.", **kw):
    return services.post_contribution(user, section, kind="amendment", body=body, **kw)


# --- text import ----------------------------------------------------------------------------


def test_import_builds_the_document_in_order(consultation):
    sections = list(Section.objects.filter(consultation=consultation).order_by("position"))
    kinds = [s.kind for s in sections]
    assert kinds[:2] == ["section", "memorandum"]
    assert [s.label for s in sections if s.kind in ("title", "chapter", "article")] == [
        "Titre I — Principes",
        "Chapitre 1er — Objectifs",
        "Article 1er",
        "Article 2",
        "Titre II — Contrôle",
        "Article 3",
    ]
    art1 = article(consultation, "1er")
    assert art1.parent.kind == "chapter" and art1.parent.parent.kind == "title"
    assert "entre une heure et cinq heures" in art1.body


def test_import_refuses_a_text_without_articles_and_writes_nothing(institution, inst_admin):
    from terreau.processes.models import ProcessModule
    from tests.conftest import make_process

    attached = ProcessModule.objects.create(process=make_process(institution), module="consultation", title="T")
    with pytest.raises(ValidationError) as exc:
        services.import_text(inst_admin, attached, "Titre", "Juste un paragraphe, sans article.")
    assert "article" in str(exc.value).lower()
    assert not TextVersion.objects.exists()


def test_import_is_refused_to_participants_and_once_people_participated(consultation, citizen, art1):
    with pytest.raises(PermissionDenied):
        services.import_text(citizen, consultation.attached, "T", "### Article 1\n\nTexte.")
    amend(citizen, art1)
    admin = member(consultation.attached.process.institution, "admin", email="a2@example.org", totp=False)
    with pytest.raises(ValidationError, match="nouvelle version"):
        services.import_text(admin, consultation.attached, "T", "### Article 1\n\nTexte.")
    assert Contribution.objects.count() == 1


# --- votes ------------------------------------------------------------------------------------


def test_vote_counts_and_change_is_atomic(art1, voters):
    for user in voters[:3]:
        services.cast_vote(user, art1, "agree")
    services.cast_vote(voters[3], art1, "disagree")
    art1.refresh_from_db()
    assert (art1.agree_count, art1.mitigated_count, art1.disagree_count) == (3, 0, 1)
    services.cast_vote(voters[0], art1, "mitigated")
    services.cast_vote(voters[0], art1, "mitigated")  # same choice again: no change
    art1.refresh_from_db()
    assert (art1.agree_count, art1.mitigated_count, art1.disagree_count) == (2, 1, 1)
    assert SectionVote.objects.filter(section=art1).count() == 4
    assert SectionVote.objects.get(section=art1, user=voters[0]).choice == "mitigated"


def test_votes_are_in_the_audit_log(art1, citizen):
    services.cast_vote(citizen, art1, "agree")
    services.cast_vote(citizen, art1, "disagree")
    events = list(AuditEvent.objects.filter(kind="consultation.vote").order_by("sequence"))
    assert [(e.data["choice"], e.data["previous"]) for e in events] == [("agree", ""), ("disagree", "agree")]


def test_one_vote_per_participant_is_a_database_constraint(art1, citizen):
    services.cast_vote(citizen, art1, "agree")
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionVote.objects.create(section=art1, user=citizen, choice="disagree")


def test_contribution_votes_update_the_contested_score(art1, citizen, voters):
    c = amend(citizen, art1)
    for user, choice in zip(voters, ["agree", "agree", "disagree", "disagree", "mitigated"], strict=True):
        services.cast_vote(user, c, choice)
    c.refresh_from_db()
    assert (c.agree_count, c.mitigated_count, c.disagree_count) == (2, 1, 2)
    assert c.contested == pytest.approx(contested_score(2, 1, 2))
    assert c.contested > 0


@pytest.mark.parametrize("choice", ["", "yes", None, 1, ["agree"], "<script>"])
def test_bad_choice_is_refused(art1, citizen, choice):
    with pytest.raises(ValidationError):
        services.cast_vote(citizen, art1, choice)
    assert not SectionVote.objects.exists()


def test_votes_refused_when_the_phase_closes_them(consultation, art1, citizen):
    services.cast_vote(citizen, art1, "agree")
    open_module(consultation.attached, votes_open=False)
    art1 = Section.objects.select_related("consultation__attached__process").get(pk=art1.pk)
    with pytest.raises(ValidationError, match="fermés"):
        services.cast_vote(citizen, art1, "disagree")
    assert SectionVote.objects.get().choice == "agree"


def test_votes_refused_between_phases(consultation, art1, citizen):
    phase = consultation.attached.process.phases.get()
    phase.start_date = timezone.localdate() + timezone.timedelta(days=3)
    phase.end_date = phase.start_date
    phase.save()
    with pytest.raises(ValidationError):
        services.cast_vote(citizen, art1, "agree")


def test_votes_refused_when_the_section_disallows_them(consultation, art1, citizen, inst_admin):
    services.configure_section(inst_admin, art1, {"allow_votes": False, "unknown": True})
    with pytest.raises(ValidationError, match="n'a pas ouvert"):
        services.cast_vote(citizen, art1, "agree")


def test_titles_and_chapters_are_not_voted(consultation, citizen):
    title = Section.objects.filter(consultation=consultation, kind="title").first()
    with pytest.raises(ValidationError):
        services.cast_vote(citizen, title, "agree")


def test_votes_refused_on_hidden_and_merged_contributions(art1, citizen, other_citizen, moderator):
    c = amend(citizen, art1)
    Contribution.objects.filter(pk=c.pk).update(status="hidden", hidden_at=timezone.now(), hidden_reason="spam")
    c.refresh_from_db()
    with pytest.raises(ValidationError):
        services.cast_vote(other_citizen, c, "agree")
    assert not ContributionVote.objects.exists()


def test_anonymous_and_unverified_participants_cannot_vote(art1, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.cast_vote(AnonymousUser(), art1, "agree")
    unverified = django_user_model.objects.create_user(email="new@example.org", password="x" * 20)
    with pytest.raises(ValidationError, match="e-mail"):
        services.cast_vote(unverified, art1, "agree")


def test_nothing_on_a_draft_or_archived_process(institution, citizen):
    draft = make_consultation(institution, slug="brouillon-c", status="draft")
    with pytest.raises(PermissionDenied):
        services.cast_vote(citizen, article(draft, "1er"), "agree")
    archived = make_consultation(institution, slug="archive-c", status="archived")
    with pytest.raises(ValidationError):
        services.cast_vote(citizen, article(archived, "1er"), "agree")
    assert not SectionVote.objects.exists()


# --- contributions ---------------------------------------------------------------------------------


def test_amendment_records_author_kind_and_territory(art1, association):
    from terreau.territories.models import Commune

    commune = Commune.objects.filter(pk="69123").first()
    association.commune = commune
    association.save()
    c = amend(association, art1, explanation="Pour la faune.")
    assert c.author_kind == "association"
    if commune is not None:
        assert c.commune_id == "69123" and c.departement_id == "69"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "obligatoire"),
        ("   \n ", "obligatoire"),
        ("x" * 50_000, "10\u202f000 caractères au plus"),
        (None, "obligatoire"),
        (42, "texte"),
        ("a\x00b", "non autorisé"),
    ],
)
def test_bad_amendments_are_refused_and_nothing_is_written(art1, citizen, body, message):
    with pytest.raises(ValidationError) as exc:
        amend(citizen, art1, body=body)
    assert message in " ".join(exc.value.messages)
    assert not Contribution.objects.exists()


def test_an_amendment_identical_to_the_text_is_refused(art1, citizen):
    with pytest.raises(ValidationError, match="reprend le texte"):
        amend(citizen, art1, body="  " + art1.body.replace("\n", " ") + " ")


def test_html_is_stored_as_text(art1, citizen):
    c = amend(citizen, art1, body='<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert c.body.startswith("<script>")  # stored as typed, escaped when shown (see test_views)


def test_double_submit_with_the_same_token_gives_one_contribution(art1, citizen):
    token = "ab" * 16
    first = amend(citizen, art1, token=token)
    second = amend(citizen, art1, token=token)
    assert first.pk == second.pk and Contribution.objects.count() == 1


def test_proposal_needs_a_title(art1, citizen):
    with pytest.raises(ValidationError):
        services.post_contribution(citizen, art1, kind="proposal", body="Un nouvel article.")
    p = services.post_contribution(citizen, art1, kind="proposal", title="Nouvel article", body="Texte.")
    assert p.kind == "proposal" and p.stance == ""


def test_unknown_kind_is_refused(art1, citizen):
    with pytest.raises(ValidationError):
        services.post_contribution(citizen, art1, kind="petition", body="x")


def test_argument_needs_a_stance_and_may_target_a_contribution(art1, citizen, other_citizen):
    with pytest.raises(ValidationError):
        services.post_contribution(citizen, art1, kind="argument", body="Parce que.")
    amendment = amend(citizen, art1)
    arg = services.post_contribution(
        other_citizen, art1, kind="argument", stance="against", body="Trop strict.", parent=amendment
    )
    assert arg.parent_id == amendment.pk
    with pytest.raises(ValidationError):
        services.post_contribution(citizen, art1, kind="argument", stance="for", body="x", parent=arg)


def test_argument_on_another_consultations_contribution_is_refused(institution, art1, citizen):
    other = make_consultation(institution, slug="autre-consultation")
    foreign = amend(citizen, article(other, "1er"))
    with pytest.raises(PermissionDenied):
        services.post_contribution(citizen, art1, kind="argument", stance="for", body="x", parent=foreign)


def test_contributions_refused_when_closed(consultation, art1, citizen):
    open_module(consultation.attached, amendments_open=False)
    art1 = Section.objects.get(pk=art1.pk)
    with pytest.raises(ValidationError, match="amendements sont fermés"):
        amend(citizen, art1)
    services.post_contribution(citizen, art1, kind="proposal", title="T", body="Toujours possible.")


def test_rate_limit(art1, citizen, settings):
    settings.TERREAU_CONSULTATION_RATE_LIMIT = (2, 600)
    amend(citizen, art1, body="Un.")
    amend(citizen, art1, body="Deux.")
    with pytest.raises(ValidationError, match="beaucoup"):
        amend(citizen, art1, body="Trois.")
    assert Contribution.objects.count() == 2


# --- sources -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://localhost:8000/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.3/",
        "http://[::1]/",
        "http://0x7f.1/",
        "http://intranet/",
        "http://db.internal/",
        "http://printer.local/",
        "javascript:alert(1)",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "http://user:pass@example.org/",
        "https://",
        "pas une adresse",
    ],
)
def test_sources_refuse_internal_and_non_http_addresses(art1, citizen, url):
    c = amend(citizen, art1)
    with pytest.raises(ValidationError):
        services.add_source(citizen, c, url=url, title="Étude", kind="study")
    assert not Source.objects.exists()


def test_source_is_added_and_limited(art1, citizen):
    c = amend(citizen, art1)
    s = services.add_source(citizen, c, url="https://www.ofb.gouv.fr/etude", title="Étude OFB", kind="study")
    assert s.kind == "study"
    with pytest.raises(ValidationError, match="déjà citée"):
        services.add_source(citizen, c, url="https://www.ofb.gouv.fr/etude", title="Encore", kind="study")
    with pytest.raises(ValidationError):
        services.add_source(citizen, c, url="https://example.org/b", title="B", kind="blog")
    for i in range(4):
        services.add_source(citizen, c, url=f"https://example.org/{i}", title=f"S{i}", kind="press")
    with pytest.raises(ValidationError, match="5 sources"):
        services.add_source(citizen, c, url="https://example.org/6", title="S6", kind="data")
    assert c.sources.count() == 5


# --- institution ----------------------------------------------------------------------------------------


def test_answer_is_published_once_audited_and_refused_to_participants(art1, citizen, inst_admin):
    c = amend(citizen, art1)
    with pytest.raises(PermissionDenied):
        services.answer(citizen, c, verdict="retained", explanation="Moi-même.")
    for verdict, explanation in (("maybe", "x"), ("retained", ""), ("retained", "x" * 6000)):
        with pytest.raises(ValidationError):
            services.answer(inst_admin, c, verdict=verdict, explanation=explanation)
    services.answer(inst_admin, c, verdict="partly", explanation="Retenu pour les communes rurales.")
    c.refresh_from_db()
    assert c.answer_verdict == "partly"
    with pytest.raises(ValidationError, match="déjà reçu"):
        services.answer(inst_admin, c, verdict="retained", explanation="Changement d'avis.")
    assert Answer.objects.get().verdict == "partly"
    event = AuditEvent.objects.get(kind="consultation.answer")
    assert event.data["verdict"] == "partly"


def test_other_institution_admin_cannot_answer(art1, citizen, other_admin):
    c = amend(citizen, art1)
    with pytest.raises(PermissionDenied):
        services.answer(other_admin, c, verdict="retained", explanation="Non.")


def test_merge_keeps_supports_and_both_authors(art1, citizen, other_citizen, voters, moderator):
    target = amend(citizen, art1, body="Éteindre de minuit à six heures.")
    duplicate = amend(other_citizen, art1, body="Éteindre entre minuit et six heures.")
    services.cast_vote(voters[0], target, "agree")
    services.cast_vote(voters[0], duplicate, "disagree")  # voted on both: the target's vote wins
    services.cast_vote(voters[1], duplicate, "agree")
    services.cast_vote(voters[2], duplicate, "mitigated")
    arg = services.post_contribution(voters[3], art1, kind="argument", stance="for", body="Oui.", parent=duplicate)
    services.add_source(other_citizen, duplicate, url="https://example.org/etude", title="Étude", kind="study")

    services.merge(moderator, duplicate, target)

    target.refresh_from_db()
    duplicate.refresh_from_db()
    assert (target.agree_count, target.mitigated_count, target.disagree_count) == (2, 1, 0)
    assert ContributionVote.objects.filter(contribution=target).count() == 3
    assert not ContributionVote.objects.filter(contribution=duplicate).exists()
    assert list(target.coauthors.all()) == [other_citizen]
    assert duplicate.merged_into_id == target.pk and not duplicate.is_listed
    assert Contribution.objects.get(pk=arg.pk).parent_id == target.pk
    assert target.sources.count() == 1
    assert AuditEvent.objects.filter(kind="consultation.merge").count() == 1
    with pytest.raises(ValidationError):
        services.merge(moderator, duplicate, target)


def test_merge_refused_to_participants_and_across_consultations(institution, art1, citizen, moderator):
    a, b = amend(citizen, art1, body="A."), amend(citizen, art1, body="B.")
    with pytest.raises(PermissionDenied):
        services.merge(citizen, a, b)
    with pytest.raises(ValidationError):
        services.merge(moderator, a, a)
    other = amend(citizen, article(make_consultation(institution, slug="autre-c"), "1er"))
    with pytest.raises(PermissionDenied):
        services.merge(moderator, a, other)


def test_publish_version_traces_the_contributions(consultation, art1, citizen, inst_admin, voters):
    c = amend(citizen, art1, body="Les éclairages publics sont éteints entre minuit et six heures.")
    art2 = article(consultation, "2")
    services.cast_vote(voters[0], art2, "agree")
    other = amend(citizen, art2, body="Les enseignes sont éteintes la nuit.")
    with pytest.raises(ValidationError, match="n'a pas changé"):
        services.publish_version(inst_admin, consultation, bodies={}, led_by={}, note="Rien.")
    with pytest.raises(ValidationError, match="n'appartient pas"):
        services.publish_version(
            inst_admin, consultation, bodies={art1.pk: c.body}, led_by={art1.pk: [other.pk]}, note="v2"
        )
    v2 = services.publish_version(
        inst_admin, consultation, bodies={art1.pk: c.body}, led_by={art1.pk: [c.pk]}, note="Version 2."
    )
    assert v2.number == 2
    new1 = article(consultation, "1er")
    assert new1.version == v2 and new1.previous_id == art1.pk and new1.body == c.body
    assert list(new1.led_by.all()) == [c]
    # The unchanged article keeps its votes and contributions; the rewritten one starts afresh.
    new2 = article(consultation, "2")
    assert new2.agree_count == 1 and new2.contributions.get() == other
    assert Contribution.objects.get(pk=c.pk).section_id == art1.pk
    assert AuditEvent.objects.filter(kind="consultation.version").count() == 1
    with pytest.raises(ValidationError, match="remplacée"):
        services.cast_vote(voters[1], Section.objects.get(pk=art1.pk), "agree")


def test_publish_version_refused_to_participants_and_for_foreign_sections(
    institution, consultation, citizen, inst_admin
):
    art1 = article(consultation, "1er")
    with pytest.raises(PermissionDenied):
        services.publish_version(citizen, consultation, bodies={art1.pk: "X"}, led_by={}, note="n")
    foreign = article(make_consultation(institution, slug="autre-v"), "1er")
    with pytest.raises(PermissionDenied):
        services.publish_version(inst_admin, consultation, bodies={foreign.pk: "X"}, led_by={}, note="n")
    assert TextVersion.objects.filter(consultation=consultation).count() == 1


def test_offline_contributions_and_votes(consultation, art1, facilitator, citizen):
    c = services.enter_offline_contribution(
        facilitator,
        art1,
        kind="amendment",
        body="Extinction dès 23 heures.",
        source="Réunion publique de Dijon, 12 mars",
        author_kind="elected",
        departement="21",
    )
    assert c.origin == "offline" and c.author is None and c.entered_by == facilitator
    n = services.enter_offline_votes(
        facilitator, art1, counts={"agree": "12", "mitigated": 3, "disagree": 0}, source="Réunion de Dijon"
    )
    assert n == 15
    art1.refresh_from_db()
    assert (art1.agree_count, art1.mitigated_count) == (12, 3)
    assert SectionVote.objects.filter(origin="offline", user__isnull=True).count() == 15
    for bad in ({"agree": -1}, {"agree": "beaucoup"}, {"agree": 0}, {"agree": 10**6}):
        with pytest.raises(ValidationError):
            services.enter_offline_votes(facilitator, art1, counts=bad, source="R")
    with pytest.raises(ValidationError):
        services.enter_offline_votes(facilitator, art1, counts={"agree": 1}, source="")
    with pytest.raises(PermissionDenied):
        services.enter_offline_votes(citizen, art1, counts={"agree": 1}, source="Moi")
    with pytest.raises(PermissionDenied):
        services.enter_offline_contribution(citizen, art1, kind="amendment", body="x", source="s")


def test_facilitator_of_another_institution_is_refused(art1, other_institution):
    outsider = member(other_institution, "facilitator", totp=False)
    with pytest.raises(PermissionDenied):
        services.enter_offline_votes(outsider, art1, counts={"agree": 1}, source="R")


def test_blocked_participant_cannot_contribute(art1, citizen, moderator):
    from terreau.moderation.models import Block

    Block.objects.create(
        user=citizen, institution=art1.consultation.attached.process.institution, created_by=moderator, reason="spam"
    )
    with pytest.raises(ValidationError, match="suspendu"):
        amend(citizen, art1)


def test_unknown_user_kind_in_profile_does_not_break(art1):
    user = make_user("expert@example.org", kind="expert")
    c = amend(user, art1)
    assert c.author_kind_label
