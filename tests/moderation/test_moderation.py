"""Reports, the moderation queue, decisions, blocks, the public log, and who may do what."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from terreau.discussions import queries
from terreau.discussions.models import Comment
from terreau.moderation import services
from terreau.moderation.models import Block, Decision, Report
from tests.conftest import PASSWORD, make_process, make_user, member
from tests.discussions.helpers import HTMX, XSS, page_url, post, thread_url

pytestmark = pytest.mark.django_db

SECRET = "Texte injurieux très secret"


@pytest.fixture
def comment(citizen, process):
    return post(citizen, process, SECRET)


@pytest.fixture
def events():
    """Every record_event call of the moderation services (the real function still runs)."""
    from terreau.audit import services as audit

    with mock.patch("terreau.moderation.services.record_event", wraps=audit.record_event) as spy:
        yield spy


def _audit_rows(kind: str) -> list:
    try:
        from terreau.audit.models import AuditEvent
    except ImportError:  # the audit app is not there: the spy's calls are the evidence
        return None
    return list(AuditEvent.objects.filter(kind=kind).values("kind", "target_type", "target_id", "data", "actor"))


def _queue(institution) -> str:
    return f"/moderation/{institution.slug}/"


def _item(institution, comment, action: str = "") -> str:
    return f"/moderation/{institution.slug}/element/discussions/comment/{comment.pk}/{action + '/' if action else ''}"


def _report_url(comment) -> str:
    return f"/moderation/signaler/discussions/comment/{comment.pk}/"


# --- Reporting -------------------------------------------------------------------------------


def test_participant_reports_a_comment_once(client, other_citizen, comment, institution):
    client.force_login(other_citizen)
    page = client.get(_report_url(comment))
    assert page.status_code == 200 and "Insulte ou harcèlement" in page.content.decode()
    response = client.post(_report_url(comment), {"reason": "harassment", "details": "Insulte directe."})
    assert response.status_code == 302 and response["Location"] == f"/discussions/commentaire/{comment.pk}/"
    report = Report.objects.get()
    assert (report.reporter, report.institution, report.reason, report.status) == (
        other_citizen,
        institution,
        "harassment",
        "open",
    )
    again = client.post(_report_url(comment), {"reason": "spam"})
    assert again.status_code == 400 and "déjà signalé" in again.content.decode()
    assert Report.objects.count() == 1


def test_one_report_per_participant_is_a_database_constraint(other_citizen, comment, institution):
    services.report(other_citizen, comment, reason="spam")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            content_type_id=Report.objects.get().content_type_id,
            object_id=comment.pk,
            institution=institution,
            reporter=other_citizen,
            reason="hate",
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez un motif"),
        ({"reason": "nope"}, "Choisissez un motif"),
        ({"reason": ["spam", "<svg>"]}, None),
        ({"reason": "spam", "details": "x" * 1001}, "1000 caractères"),
    ],
)
def test_bad_reports_are_refused(client, other_citizen, comment, data, message):
    client.force_login(other_citizen)
    response = client.post(_report_url(comment), data)
    if message is None:  # a list: the last value wins, like every Django form
        return
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    assert not Report.objects.exists()


def test_cannot_report_own_hidden_draft_or_unknown(client, citizen, other_citizen, comment, moderator, draft):
    client.force_login(citizen)
    response = client.post(_report_url(comment), {"reason": "spam"})
    assert response.status_code == 400 and "propre contribution" in response.content.decode()
    with pytest.raises(ValidationError):
        services.report(citizen, comment, reason="spam")
    hidden = post(other_citizen, comment.process, "Sera masqué")
    services.hide(moderator, hidden, reason="spam")
    assert client.get(_report_url(hidden)).status_code == 404
    on_draft = Comment.objects.create(
        content_type_id=comment.content_type_id, object_id=draft.pk, process=draft, author=other_citizen, body="x"
    )
    assert client.get(_report_url(on_draft)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.report(citizen, on_draft, reason="spam")
    for url in ["/moderation/signaler/discussions/comment/999999/", "/moderation/signaler/processes/process/1/"]:
        assert client.get(url).status_code == 404
    assert not Report.objects.exists()


def test_anonymous_must_log_in_to_report(client, comment):
    response = client.post(_report_url(comment), {"reason": "spam"})
    assert response.status_code == 302 and "/compte/login/" in response["Location"]
    assert not Report.objects.exists()


def test_reports_are_rate_limited(other_citizen, process, citizen, settings):
    settings.TERREAU_REPORT_RATE_LIMIT = (2, 600)
    settings.TERREAU_COMMENT_RATE_LIMIT = (100, 600)
    comments = [post(citizen, process, f"Avis {i}") for i in range(3)]
    services.report(other_citizen, comments[0], reason="spam")
    services.report(other_citizen, comments[1], reason="spam")
    with pytest.raises(ValidationError, match="beaucoup de signalements"):
        services.report(other_citizen, comments[2], reason="spam")


# --- Who may moderate ------------------------------------------------------------------------


def test_queue_is_for_the_institutions_moderators_and_admins(
    client, institution, comment, moderator, inst_admin, facilitator, reviewer, citizen, other_admin, platform_admin
):
    other_moderator = member(other_admin.memberships.get().institution, "moderator")
    assert client.get(_queue(institution)).status_code == 302  # anonymous: to login
    for user in (citizen, facilitator, reviewer, other_admin, other_moderator):
        client.force_login(user)
        for url in (_queue(institution), _item(institution, comment), _item(institution, comment, "bloquer")):
            assert client.get(url).status_code == 404, (user, url)
        for action in ("masquer", "retablir", "rejeter", "bloquer"):
            assert client.post(_item(institution, comment, action), {"reason": "spam"}).status_code == 404
    for user in (moderator, inst_admin, platform_admin):
        client.force_login(user)
        assert client.get(_queue(institution)).status_code == 200, user
        assert client.get(_item(institution, comment)).status_code == 200, user
    assert not Decision.objects.exists() and not Block.objects.exists()
    comment.refresh_from_db()
    assert comment.status == "visible"


@pytest.mark.parametrize("role", ["facilitator", "reviewer"])
def test_services_refuse_non_moderators(institution, comment, citizen, role):
    user = member(institution, role)
    for call in (
        lambda: services.hide(user, comment, reason="spam"),
        lambda: services.dismiss(user, comment),
        lambda: services.restore(user, comment),
        lambda: services.block(user, institution, citizen, reason="spam"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_other_institution_cannot_act_on_our_comments(other_admin, comment, citizen, institution, moderator):
    with pytest.raises(PermissionDenied):
        services.hide(other_admin, comment, reason="spam")
    with pytest.raises(PermissionDenied):
        services.block(other_admin, institution, citizen, reason="spam")
    blocked = services.block(moderator, institution, citizen, reason="spam")
    with pytest.raises(PermissionDenied):
        services.unblock(other_admin, blocked)


def test_other_institution_slug_does_not_reach_our_comment(client, comment, other_admin):
    client.force_login(other_admin)
    other = other_admin.memberships.get().institution
    assert client.get(_item(other, comment)).status_code == 404
    assert client.post(_item(other, comment, "masquer"), {"reason": "spam"}).status_code == 404
    comment.refresh_from_db()
    assert comment.status == "visible"


def test_moderator_without_totp_is_sent_to_enrol(client, institution):
    user = member(institution, "moderator", email="sans-totp@example.org", totp=False)
    client.force_login(user)
    response = client.get(_queue(institution))
    assert response.status_code == 302 and response["Location"] == "/compte/mfa-requise/"


def test_decisions_need_post(client, moderator, institution, comment):
    client.force_login(moderator)
    for action in ("masquer", "retablir", "rejeter"):
        assert client.get(_item(institution, comment, action)).status_code == 405


# --- The queue and decisions -----------------------------------------------------------------


def test_queue_lists_reported_items_with_counts_per_reason(client, moderator, institution, comment, process):
    reporters = [make_user(f"r{i}@example.org") for i in range(3)]
    for user, reason in zip(reporters, ["spam", "spam", "hate"], strict=True):
        services.report(user, comment, reason=reason, details=XSS if reason == "hate" else "")
    other = post(reporters[0], process, "Un autre, signalé une fois")
    services.report(reporters[1], other, reason="off_topic")
    client.force_login(moderator)
    html = client.get(_queue(institution)).content.decode()
    assert "Signalements à traiter (2)" in html
    assert (
        "3 signalements" in html
        and "Spam ou publicité · 2" in html
        and "Propos haineux ou discriminatoires · 1" in html
    )
    assert html.index(SECRET) < html.index("Un autre, signalé une fois")  # most reported first
    assert "<svg onload" not in html and "&lt;svg onload=alert(1)&gt;" in html
    for bad in ("?page=abc", "?page=-1", "?page=99999", "?vue=<script>", "?vue=masques&page=x"):
        assert client.get(_queue(institution) + bad).status_code == 200, bad


def test_queue_has_constant_queries(
    client, moderator, institution, process, citizen, settings, django_assert_max_num_queries
):
    settings.TERREAU_COMMENT_RATE_LIMIT = (100, 600)
    reporter = make_user("rapporteur@example.org")
    for i in range(15):
        services.report(reporter, post(citizen, process, f"Avis {i}", token=f"{i:032x}"), reason="spam")
    client.force_login(moderator)
    client.get(_queue(institution))
    with django_assert_max_num_queries(20):
        client.get(_queue(institution))


def test_moderator_hides_a_comment_with_a_public_reason(
    client, moderator, institution, comment, process, other_citizen, events
):
    services.report(other_citizen, comment, reason="harassment")
    client.force_login(moderator)
    response = client.post(
        _item(institution, comment, "masquer"),
        {"reason": "harassment", "note": "Propos visant une personne.", "next": _queue(institution)},
    )
    assert response.status_code == 302 and response["Location"] == _queue(institution)
    comment.refresh_from_db()
    assert comment.status == "hidden" and comment.hidden_reason == "harassment" and comment.hidden_by == moderator
    assert Report.objects.get().status == "upheld"
    decision = Decision.objects.get()
    assert (decision.action, decision.reason, decision.reports_count, decision.actor) == (
        "hidden",
        "harassment",
        1,
        moderator,
    )
    events.assert_called_once()
    assert events.call_args.args == ("moderation.hidden",)
    assert events.call_args.kwargs["target"].pk == comment.pk
    assert events.call_args.kwargs["data"] == {"institution": institution.slug, "reason": "harassment", "reports": 1}
    rows = _audit_rows("moderation.hidden")
    if rows is not None:
        assert len(rows) == 1 and rows[0]["target_id"] == str(comment.pk)
        assert rows[0]["target_type"] == "discussions.comment" and rows[0]["actor"] != str(moderator.pk)
    # The queue no longer lists it; the hidden tab does.
    assert "Aucun signalement à traiter" in client.get(_queue(institution)).content.decode()
    assert SECRET in client.get(_queue(institution) + "?vue=masques").content.decode()


def test_hide_refuses_bad_input(client, moderator, institution, comment):
    client.force_login(moderator)
    for data in ({}, {"reason": "nope"}, {"reason": "spam", "note": "x" * 301}):
        response = client.post(_item(institution, comment, "masquer"), data)
        assert response.status_code == 400 and "error-summary" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "visible" and not Decision.objects.exists()
    services.hide(moderator, comment, reason="spam")
    with pytest.raises(ValidationError, match="déjà masqué"):
        services.hide(moderator, comment, reason="spam")


def test_hidden_comment_never_leaks(client, moderator, institution, citizen, other_citizen, comment, process):
    reply = post(other_citizen, process, "Une réponse visible", parent=comment)
    services.hide(moderator, comment, reason="harassment", note="Attaque personnelle.")
    expected = "Commentaire masqué par la modération : insulte ou harcèlement — Attaque personnelle."
    for user in (None, citizen, other_citizen):
        if user:
            client.force_login(user)
        for url in (page_url(process), thread_url(process)):
            html = client.get(url).content.decode()
            assert SECRET not in html and expected in html and "Une réponse visible" in html, (user, url)
        fragment = client.get(f"/discussions/commentaire/{comment.pk}/", **HTMX).content.decode()
        assert SECRET not in fragment
        assert SECRET not in client.get(thread_url(process), **HTMX).content.decode()
        assert SECRET not in client.get(f"/discussions/commentaire/{comment.pk}/repondre/").content.decode()
    client.force_login(citizen)  # the author
    edit = client.get(f"/discussions/commentaire/{comment.pk}/modifier/").content.decode()
    assert SECRET not in edit and "masqué par la modération" in edit
    assert client.post(f"/discussions/commentaire/{comment.pk}/repondre/", {"body": "x"}).status_code == 400
    # Reads used by the API, exports and feeds.
    assert comment.pk not in set(queries.public_comments().values_list("pk", flat=True))
    assert reply.pk in set(queries.public_comments().values_list("pk", flat=True))
    assert comment.pk not in set(queries.visible_comments_for(process).values_list("pk", flat=True))
    assert all(SECRET not in c.body for c in queries.thread_page(process).comments)
    assert queries.single_comment(comment.pk).body == ""
    assert queries.single_thread(comment).comment.body == ""


def test_restore_and_dismiss(client, moderator, institution, comment, other_citizen, events):
    services.report(other_citizen, comment, reason="spam")
    client.force_login(moderator)
    response = client.post(_item(institution, comment, "rejeter"))
    assert response.status_code == 302
    assert Report.objects.get().status == "dismissed"
    comment.refresh_from_db()
    assert comment.status == "visible"
    again = client.post(_item(institution, comment, "rejeter"), follow=True)
    assert "Aucun signalement à traiter" in again.content.decode()
    services.hide(moderator, comment, reason="spam")
    client.post(_item(institution, comment, "retablir"))
    comment.refresh_from_db()
    assert comment.status == "visible" and comment.hidden_reason == "" and comment.hidden_at is None
    assert list(Decision.objects.order_by("id").values_list("action", flat=True)) == [
        "dismissed",
        "hidden",
        "restored",
    ]
    assert [c.args[0] for c in events.call_args_list] == [
        "moderation.dismissed",
        "moderation.hidden",
        "moderation.restored",
    ]
    with pytest.raises(ValidationError):
        services.restore(moderator, comment)


def test_block_and_unblock(client, moderator, institution, comment, citizen, events):
    client.force_login(moderator)
    page = client.get(_item(institution, comment, "bloquer"))
    assert page.status_code == 200 and "Bloquer Camille" in page.content.decode()
    assert client.post(_item(institution, comment, "bloquer"), {"reason": ""}).status_code == 400
    response = client.post(_item(institution, comment, "bloquer"), {"reason": "harassment", "note": XSS})
    assert response.status_code == 302
    block = Block.objects.get()
    assert (block.user, block.institution, block.reason, block.lifted_at) == (citizen, institution, "harassment", None)
    html = client.get(_queue(institution) + "?vue=blocages").content.decode()
    assert "Camille" in html and "<svg onload" not in html
    again = client.post(_item(institution, comment, "bloquer"), {"reason": "spam"})
    assert again.status_code == 400 and "déjà bloquée" in again.content.decode()
    assert client.post(f"/moderation/{institution.slug}/blocages/{block.pk}/lever/").status_code == 302
    block.refresh_from_db()
    assert block.lifted_at is not None and block.lifted_by == moderator
    assert post(citizen, comment.process, "De retour").pk
    assert [c.args[0] for c in events.call_args_list] == ["moderation.blocked", "moderation.unblocked"]
    assert list(Decision.objects.order_by("id").values_list("action", "subject")) == [
        ("blocked", citizen.pk),
        ("unblocked", citizen.pk),
    ]
    # Blocked again after the unblock: a new row (the constraint is on active blocks only).
    services.block(moderator, institution, citizen, reason="spam")
    assert Block.objects.count() == 2


def test_block_refuses_self_and_members(moderator, institution, facilitator):
    with pytest.raises(ValidationError):
        services.block(moderator, institution, moderator, reason="spam")
    with pytest.raises(ValidationError, match="membre"):
        services.block(moderator, institution, facilitator, reason="spam")


def test_one_active_block_is_a_database_constraint(moderator, institution, citizen):
    services.block(moderator, institution, citizen, reason="spam")
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(institution=institution, user=citizen, reason="spam", created_by=moderator)


def test_unblock_of_another_institution_is_404(client, moderator, institution, citizen, other_admin):
    block = services.block(moderator, institution, citizen, reason="spam")
    client.force_login(other_admin)
    other = other_admin.memberships.get().institution
    assert client.post(f"/moderation/{other.slug}/blocages/{block.pk}/lever/").status_code == 404
    assert client.post(f"/moderation/{institution.slug}/blocages/{block.pk}/lever/").status_code == 404
    block.refresh_from_db()
    assert block.lifted_at is None


# --- The public log --------------------------------------------------------------------------


def test_public_log_counts_per_reason_without_personal_data(
    client, moderator, institution, process, citizen, other_citizen, other_institution
):
    other_process = make_process(other_institution, slug="ailleurs")
    other_moderator = member(other_institution, "moderator")
    first = post(citizen, process, SECRET)
    second = post(other_citizen, process, "Deuxième texte secret")
    third = post(citizen, other_process, "Troisième texte secret")
    services.hide(moderator, first, reason="spam", note="Note publique")
    services.hide(moderator, second, reason="spam")
    services.hide(other_moderator, third, reason="hate")
    services.block(moderator, institution, citizen, reason="harassment", note="Note interne confidentielle")
    Decision.objects.filter(action="hidden", object_id=second.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    html = client.get("/moderation/journal/").content.decode()
    assert "Ville de Test" in html and "Autre Ville" in html
    for private in (SECRET, "Deuxième texte secret", "Troisième texte secret", "Note interne confidentielle"):
        assert private not in html
    for person in (citizen.public_name, other_citizen.public_name, moderator.public_name, citizen.email):
        assert person not in html
    from terreau.moderation.queries import log_counts

    counts = {c.slug: c for c in log_counts()}
    ours = counts[institution.slug]
    assert ours.rows == [("spam", "Spam ou publicité", 1, 2)]
    assert (ours.hidden_recent, ours.hidden_total) == (1, 2)
    assert ours.other == {"blocked": (1, 1)}
    assert counts[other_institution.slug].rows == [("hate", "Propos haineux ou discriminatoires", 1, 1)]
    for bad in ("?page=abc", "?page=-5", "?page=100000", "?page=1%27"):
        assert client.get("/moderation/journal/" + bad).status_code == 200


def test_public_log_is_paginated(client, moderator, institution, process, settings):
    settings.TERREAU_COMMENT_RATE_LIMIT = (1000, 600)
    author = make_user("bavard@example.org")
    for i in range(55):
        services.hide(moderator, post(author, process, f"Texte {i}"), reason="spam")
    first = client.get("/moderation/journal/").content.decode()
    assert "Page 1 sur 2" in first
    assert client.get("/moderation/journal/?page=2").status_code == 200


def test_footer_and_backoffice_link_to_moderation(client, moderator, institution, facilitator):
    assert 'href="/moderation/journal/"' in client.get("/").content.decode()
    client.force_login(moderator)
    assert (
        f'href="/moderation/{institution.slug}/"'
        in client.get(f"/espace/institutions/{institution.slug}/").content.decode()
    )
    client.force_login(facilitator)
    assert (
        f'href="/moderation/{institution.slug}/"'
        not in client.get(f"/espace/institutions/{institution.slug}/").content.decode()
    )


def test_moderators_see_a_moderate_link_in_the_thread(client, moderator, other_admin, comment, process):
    client.force_login(moderator)
    assert "Modérer" in client.get(page_url(process)).content.decode()
    client.force_login(other_admin)
    assert "Modérer" not in client.get(page_url(process)).content.decode()


def test_reports_are_in_the_reporters_data_export(other_citizen, comment):
    import json

    from terreau.accounts.services import export_personal_data

    services.report(other_citizen, comment, reason="spam", details="Publicité")
    data = json.loads(export_personal_data(other_citizen))
    assert data["reports_made"][0]["details"] == "Publicité"


def test_login_password_unused(client):
    assert PASSWORD  # the shared fixtures' password is used by the browser journeys
