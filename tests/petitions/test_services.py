"""Services: drafting, moderation, signing, counting, thresholds, answer, escalation, fraud, retention."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from terreau.audit.models import AuditEvent
from terreau.petitions import queries, services
from terreau.petitions.models import CounterShard, Petition, Signature
from terreau.processes.models import Process
from terreau.processes.queries import answer_record, answer_tracker
from terreau.territories.models import Commune

from .conftest import WITHDRAW_RE, confirm_token_from_outbox, make_petition, sign_and_confirm, signer

pytestmark = pytest.mark.django_db


def count(petition) -> int:
    return services.exact_count(petition.pk)


# --- Drafting and moderation -------------------------------------------------------------


def test_draft_is_pending_and_hidden(pending_petition, other_citizen):
    assert pending_petition.status == "pending"
    assert not queries.visible_to(other_citizen, pending_petition)
    assert queries.visible_to(pending_petition.author, pending_petition)
    assert pending_petition not in queries.public_petitions()


def test_draft_requires_verified_email(institution):
    from tests.conftest import make_user

    user = make_user("nv@example.org")
    user.emailaddress_set.update(verified=False)
    with pytest.raises(PermissionDenied):
        make_petition(user, institution)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", ""), ("title", "x" * 151), ("demand", "   "), ("demand", "a\x00b"), ("title", 42)],
)
def test_draft_bad_input_writes_nothing(citizen, institution, field, value):
    kwargs = {"title": "Titre", "demand": "Demande", "institution": institution, field: value}
    with pytest.raises(ValidationError):
        services.draft_petition(citizen, **kwargs)
    assert not Petition.objects.exists()


def test_draft_refuses_other_institutions_type(citizen, other_institution, petition_type):
    with pytest.raises(ValidationError):
        services.draft_petition(
            citizen, title="T", demand="D", institution=other_institution, petition_type=petition_type
        )


def test_publish_by_moderator_creates_shards_and_audit(pending_petition, moderator):
    services.publish_petition(moderator, pending_petition)
    pending_petition.refresh_from_db()
    assert pending_petition.status == "open" and pending_petition.published_at
    assert CounterShard.objects.filter(petition=pending_petition).count() == 4
    assert AuditEvent.objects.filter(kind="petition.published").count() == 1


def test_publish_refused_to_others(pending_petition, other_admin, citizen):
    for user in (other_admin, citizen):
        with pytest.raises(PermissionDenied):
            services.publish_petition(user, pending_petition)


def test_refusal_needs_reason_and_is_shown(pending_petition, moderator):
    with pytest.raises(ValidationError):
        services.refuse_petition(moderator, pending_petition, "  ")
    services.refuse_petition(moderator, pending_petition, "Hors du champ de compétence de la commune.")
    pending_petition.refresh_from_db()
    assert pending_petition.status == "refused"
    assert "compétence" in pending_petition.refusal_reason
    with pytest.raises(ValidationError):
        services.publish_petition(moderator, pending_petition)


def test_platform_admin_moderates_any(pending_petition, platform_admin):
    services.publish_petition(platform_admin, pending_petition)


def test_similar_petitions(open_petition, citizen, institution):
    found = queries.similar_petitions("Sauvons les haies du bocage normand")
    assert open_petition in found
    assert queries.similar_petitions("Éclairage nocturne") == []


# --- Signing -----------------------------------------------------------------------------


def test_the_signature_records_the_country_its_address_was_allocated_to(open_petition, citizen):
    services.sign_anonymous(open_petition, signer(email="a@example.org"), ip="8.8.8.8")
    services.sign_anonymous(open_petition, signer(email="b@example.org"), ip="192.168.1.20")
    services.sign_as_user(citizen, open_petition, ip="90.84.0.1")
    countries = dict(Signature.objects.values_list("email", "country"))
    assert countries == {"a@example.org": "US", "b@example.org": "", citizen.email: "FR"}


def test_anonymous_sign_confirm_counts(open_petition):
    services.sign_anonymous(open_petition, signer(postcode="75001"))
    sig = Signature.objects.get()
    assert sig.confirmed_at is None and not sig.counted and sig.departement_id == "75"
    assert count(open_petition) == 0
    assert len(mail.outbox) == 1 and "confirmer" in mail.outbox[0].body
    token = confirm_token_from_outbox()
    assert services.confirm_signature(token).counted
    assert count(open_petition) == 1
    # A second click changes nothing.
    services.confirm_signature(token)
    assert count(open_petition) == 1


def test_second_attempt_writes_nothing_and_emails(open_petition):
    sign_and_confirm(open_petition, "Alex.Martin+petition@gmail.com")
    mail.outbox.clear()
    services.sign_anonymous(open_petition, signer(name="Autre nom", email="alexmartin@googlemail.com"))
    assert Signature.objects.count() == 1
    assert Signature.objects.get().name == "Alex Martin"
    assert len(mail.outbox) == 1 and "déjà" in mail.outbox[0].subject


def test_second_attempt_unconfirmed_resends_confirmation(open_petition):
    services.sign_anonymous(open_petition, signer())
    services.sign_anonymous(open_petition, signer())
    assert Signature.objects.count() == 1
    assert len(mail.outbox) == 2
    assert services.confirm_signature(confirm_token_from_outbox(-1)) is not None


def test_token_expired_or_garbage(open_petition):
    services.sign_anonymous(open_petition, signer())
    token = confirm_token_from_outbox()
    Signature.objects.update(confirm_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.confirm_signature(token) is None
    assert services.confirm_signature("x" * 43) is None
    assert services.confirm_signature("") is None
    assert services.confirm_signature(None) is None
    assert count(open_petition) == 0


def test_token_is_stored_hashed(open_petition):
    services.sign_anonymous(open_petition, signer())
    token = confirm_token_from_outbox()
    assert not Signature.objects.filter(confirm_token_hash=token).exists()


def test_withdraw_token_for_other_purpose_does_not_confirm(open_petition):
    services.sign_anonymous(open_petition, signer())
    withdraw = WITHDRAW_RE.search(mail.outbox[-1].body).group(1)
    assert services.confirm_signature(withdraw) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "", "email": "a@example.org", "postcode": "75001"},
        {"name": "A", "email": "pas-une-adresse", "postcode": "75001"},
        {"name": "A", "email": "a@example.org", "postcode": "7500"},
        {"name": "A", "email": "a@example.org", "postcode": "00000"},
        {"name": "A", "email": "a@example.org"},
        {"name": "x" * 101, "email": "a@example.org", "abroad": True},
    ],
)
def test_signer_bad_input(kwargs):
    kwargs = {"commune": None, "postcode": "", "abroad": False, **kwargs}
    with pytest.raises(ValidationError):
        services.clean_signer(**kwargs)


def test_signer_commune_sets_departement():
    commune = Commune.objects.get(pk="69123")
    s = services.clean_signer(name="A", email="a@example.org", commune=commune, postcode="", abroad=True)
    assert s.departement_id == "69" and not s.abroad


def test_closed_petition_refuses_signatures(open_petition, inst_admin):
    services.close_petition(inst_admin, open_petition)
    open_petition.refresh_from_db()
    assert open_petition.status == "closed"
    with pytest.raises(ValidationError):
        services.sign_anonymous(open_petition, signer())
    assert not Signature.objects.exists()


def test_user_one_click_and_already(open_petition, other_citizen):
    assert services.sign_as_user(other_citizen, open_petition) == "signed"
    assert services.sign_as_user(other_citizen, open_petition) == "already"
    assert count(open_petition) == 1
    # Same person anonymously: nothing written.
    services.sign_anonymous(open_petition, signer(email=other_citizen.email.upper()))
    assert Signature.objects.count() == 1


def test_withdraw_while_open(open_petition, other_citizen, inst_admin):
    services.sign_as_user(other_citizen, open_petition)
    assert services.withdraw_user(other_citizen, open_petition)
    assert count(open_petition) == 0 and not Signature.objects.exists()
    services.sign_as_user(other_citizen, open_petition)
    services.close_petition(inst_admin, open_petition)
    with pytest.raises(ValidationError):
        services.withdraw_user(other_citizen, open_petition)
    assert count(open_petition) == 1


def test_withdraw_by_token(open_petition):
    services.sign_anonymous(open_petition, signer())
    withdraw = WITHDRAW_RE.search(mail.outbox[-1].body).group(1)
    services.confirm_signature(confirm_token_from_outbox())
    assert count(open_petition) == 1
    assert services.withdraw_by_token(withdraw) == open_petition
    assert count(open_petition) == 0
    assert services.withdraw_by_token(withdraw) is None


def test_mail_outage_keeps_signature_and_resends(open_petition, settings, monkeypatch):
    from django.core.mail.backends import locmem

    from terreau.petitions import tasks

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", broken)
    services.sign_anonymous(open_petition, signer())
    sig = Signature.objects.get()
    assert sig.confirm_token_hash == "" and sig.confirmed_at is None
    monkeypatch.undo()
    # The batch sender does not hammer a failing address: the retry is the periodic job's.
    assert tasks.send_pending_confirmations.call() == 0
    assert mail.outbox == []
    Signature.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    settings.PETITIONS_COUNTER_SHARDS = 4
    result = tasks.run_maintenance()
    assert result["resent"] == 1
    assert services.confirm_signature(confirm_token_from_outbox()) is not None


def test_batch_sender_emails_each_pending_signature_once(open_petition, settings):
    from terreau.petitions import tasks

    # A backend that defers: signing only queues the batch sender, nothing is sent yet.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for i in range(5):
        services.sign_anonymous(open_petition, signer(email=f"batch{i}@example.org"))
    assert mail.outbox == []
    assert Signature.objects.filter(confirm_token_hash="").count() == 5
    assert tasks.send_pending_confirmations.call() == 5
    assert sorted(m.to[0] for m in mail.outbox) == [f"batch{i}@example.org" for i in range(5)]
    assert tasks.send_pending_confirmations.call() == 0  # nothing twice
    assert len(mail.outbox) == 5
    for i in range(5):
        assert services.confirm_signature(confirm_token_from_outbox(i)) is not None
    assert count(open_petition) == 5


def test_one_failing_address_does_not_stop_the_batch(open_petition, settings, monkeypatch):
    from django.core.mail.backends import locmem

    from terreau.petitions import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for email in ("a@example.org", "refused@example.org", "c@example.org"):
        services.sign_anonymous(open_petition, signer(email=email))
    send = locmem.EmailBackend.send_messages

    def picky(self, messages):
        if messages[0].to == ["refused@example.org"]:
            raise OSError("550 mailbox unavailable")
        return send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", picky)
    assert tasks.send_pending_confirmations.call() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "c@example.org"]
    refused = Signature.objects.get(email="refused@example.org")
    assert refused.confirm_token_hash == "" and refused.confirm_expires_at is not None


def test_mail_server_down_leaves_every_claimed_signature_for_the_retry(open_petition, settings, monkeypatch):
    from django.core.mail.backends import locmem

    from terreau.petitions import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for i in range(3):
        services.sign_anonymous(open_petition, signer(email=f"down{i}@example.org"))

    def refused(self):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(locmem.EmailBackend, "open", refused, raising=False)
    assert tasks.send_pending_confirmations.call() == 0
    assert mail.outbox == []
    assert not Signature.objects.exclude(confirm_token_hash="").exists()  # no live link was lost
    monkeypatch.undo()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    Signature.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert tasks.run_maintenance()["resent"] == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"down{i}@example.org" for i in range(3)]


def test_fraud_rules_run_once_per_signature_in_the_confirmation_batch(open_petition, settings, monkeypatch):
    from django.core.mail.backends import locmem

    from terreau.petitions import tasks

    assessed = []
    real = services.fraud.assess_signatures
    monkeypatch.setattr(services.fraud, "assess_signatures", lambda subs: (assessed.extend(subs), real(subs))[1])
    settings.TERREAU_PETITION_FRAUD = {"enabled": True}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for i in range(3):
        services.sign_anonymous(open_petition, signer(email=f"f{i}@yopmail.com"), ip="203.0.113.9")
    # The signing request only wrote the rows: no counter, no flag yet.
    assert assessed == [] and not Signature.objects.filter(suspicious=True).exists()
    with monkeypatch.context() as down:
        down.setattr(locmem.EmailBackend, "open", lambda self: 1 / 0, raising=False)
        assert tasks.send_pending_confirmations.call() == 0
    assert [(s.ip, s.email_domain) for s in assessed] == [("203.0.113.9", "yopmail.com")] * 3
    assert all(s.flags == ["disposable"] and s.suspicious for s in Signature.objects.all())
    # The retry after the mail outage sends the emails without counting the signatures again.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    Signature.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert tasks.run_maintenance()["resent"] == 3
    assert len(mail.outbox) == 3 and len(assessed) == 3
    assert all(s.flags == ["disposable"] for s in Signature.objects.all())


@pytest.mark.django_db(transaction=True)
def test_signing_survives_a_connection_the_database_closed(citizen, institution, petition_type, moderator):
    if connection.vendor != "postgresql":
        pytest.skip("the prepared INSERT path is PostgreSQL's")
    import psycopg

    petition = make_petition(citizen, institution, petition_type, publish_by=moderator)
    connection.ensure_connection()
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    services.sign_anonymous(petition, signer(email="after-restart@example.org"))
    assert Signature.objects.filter(petition=petition, email="after-restart@example.org").count() == 1
    assert len(mail.outbox) == 1


def test_deferring_backend_queues_one_batch_per_interval(open_petition, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PETITIONS_CONFIRMATION_BATCH_SECONDS = 30
    services._next_wake = 0.0
    for i in range(4):
        services.sign_anonymous(open_petition, signer(email=f"wake{i}@example.org"))
    queued = DBTaskResult.objects.all()
    assert queued.count() == 1
    assert queued.get().task_path.endswith("send_pending_confirmations")
    assert queued.get().run_after > timezone.now() + datetime.timedelta(seconds=20)


def test_signing_a_petition_closed_since_it_was_read_writes_nothing(open_petition):
    stale = Petition.objects.get(pk=open_petition.pk)
    Petition.objects.filter(pk=open_petition.pk).update(closed_at=timezone.now(), status="closed")
    assert stale.accepts_signatures  # the copy a web process may still hold
    with pytest.raises(ValidationError):
        services.sign_anonymous(stale, signer())
    assert not Signature.objects.exists()
    assert mail.outbox == []


# --- Fraud -------------------------------------------------------------------------------


def test_suspicious_signature_kept_not_counted(open_petition, monkeypatch):
    monkeypatch.setattr(services.fraud, "assess_signatures", lambda subs: [["ip_rate"] for _ in subs])
    services.sign_anonymous(open_petition, signer())
    # assessed when the batch claimed it for its email, before any link could confirm it
    assert Signature.objects.get().flags == ["ip_rate"]
    services.confirm_signature(confirm_token_from_outbox())
    sig = Signature.objects.get()
    assert sig.suspicious and sig.flags == ["ip_rate"] and sig.confirmed_at and not sig.counted
    assert count(open_petition) == 0


def test_bulk_invalidation_keeps_counts(open_petition, moderator):
    for i in range(4):
        sign_and_confirm(open_petition, f"p{i}@spam.example")
    sign_and_confirm(open_petition, "ok@example.org")
    Signature.objects.filter(email_domain="spam.example").update(ip="203.0.113.7")
    assert count(open_petition) == 5
    inv = services.invalidate_signatures(
        moderator, open_petition, services.InvalidationFilter(ip_prefix="203.0.113.0/24"), "Robot"
    )
    assert inv.count == 4
    assert count(open_petition) == 1
    assert services.reconcile_counts(open_petition.pk) == {"shards": 1, "exact": 1}
    event = AuditEvent.objects.get(kind="petition.invalidated")
    assert event.data["count"] == 4
    # Invalidating again matches nothing more.
    again = services.invalidate_signatures(
        moderator, open_petition, services.InvalidationFilter(domain="spam.example"), "Robot"
    )
    assert again.count == 0 and count(open_petition) == 1


def test_invalidation_needs_criteria_and_rights(open_petition, moderator, other_admin):
    with pytest.raises(ValidationError):
        services.invalidate_signatures(moderator, open_petition, services.InvalidationFilter(), "x")
    with pytest.raises(PermissionDenied):
        services.invalidate_signatures(other_admin, open_petition, services.InvalidationFilter(domain="a.b"), "x")
    with pytest.raises(ValidationError):
        services.invalidate_signatures(moderator, open_petition, services.InvalidationFilter(ip_prefix="nope"), "x")


def test_invalidate_ipv6_range(open_petition, moderator):
    sign_and_confirm(open_petition, "v6@example.org")
    Signature.objects.update(ip="2001:db8:1:2::5")
    inv = services.invalidate_signatures(
        moderator, open_petition, services.InvalidationFilter(ip_prefix="2001:db8:1::/48"), "Plage"
    )
    assert inv.count == 1 and count(open_petition) == 0


def test_flag_signatures_uncounts(open_petition):
    sign_and_confirm(open_petition, "a@example.org")
    sign_and_confirm(open_petition, "b@example.org")
    ids = list(Signature.objects.values_list("pk", flat=True))
    assert services.flag_signatures(open_petition.pk, ids[:1], "cluster_ip_range") == 1
    assert count(open_petition) == 1
    assert queries.flag_summary(open_petition) == {"cluster_ip_range": 1}


def test_reconcile_repairs_drift(open_petition):
    sign_and_confirm(open_petition, "a@example.org")
    CounterShard.objects.filter(petition=open_petition, shard=2).update(count=40)
    services.reconcile_counts(open_petition.pk)
    assert count(open_petition) == 1
    assert Petition.objects.get(pk=open_petition.pk).signature_count == 1


# --- Thresholds, tracker, answer, escalation ---------------------------------------------


def test_threshold_creates_answer_due_in_tracker(open_petition):
    for i in range(3):
        sign_and_confirm(open_petition, f"s{i}@example.org")
    open_petition.refresh_from_db()
    assert open_petition.threshold_reached_at is not None
    assert open_petition.answer_due == timezone.localdate() + datetime.timedelta(days=60)
    _late, due, _published = answer_tracker()
    assert [a.title for a in due] == [open_petition.title]
    assert due[0].url == open_petition.get_absolute_url()
    assert answer_record()["due"] == 1


def test_answer_is_audited_and_notifies(open_petition, inst_admin, moderator):
    services.sign_anonymous(open_petition, signer(email="n@example.org"))
    services.confirm_signature(confirm_token_from_outbox())
    Signature.objects.update(notify_answer=True)
    for i in range(2):
        sign_and_confirm(open_petition, f"s{i}@example.org")
    mail.outbox.clear()
    with pytest.raises(PermissionDenied):
        services.answer_petition(moderator, open_petition, "Non")
    services.answer_petition(inst_admin, open_petition, "Nous **acceptons** <script>alert(1)</script>")
    open_petition.refresh_from_db()
    assert open_petition.status == "answered"
    assert "<script>" not in open_petition.answer_html and "<strong>acceptons</strong>" in open_petition.answer_html
    assert AuditEvent.objects.filter(kind="petition.answered").exists()
    assert [m.to for m in mail.outbox] == [["n@example.org"]]
    _late, due, published = answer_tracker()
    assert not due and published[0].title == open_petition.title
    with pytest.raises(ValidationError):
        services.answer_petition(inst_admin, open_petition, "Encore")


def test_escalation_creates_linked_draft_process(open_petition, inst_admin):
    with pytest.raises(ValidationError):
        services.escalate_petition(inst_admin, open_petition)
    for i in range(5):
        sign_and_confirm(open_petition, f"s{i}@example.org")
    process = services.escalate_petition(inst_admin, open_petition)
    open_petition.refresh_from_db()
    assert open_petition.status == "escalated" and open_petition.escalated_process == process
    assert process.status == Process.Status.DRAFT and process.institution == open_petition.institution
    module = process.modules.get()
    from terreau.processes.modules import registry

    assert module.module == ("consultation" if registry.get("consultation") else "page")
    assert AuditEvent.objects.filter(kind="petition.escalated").exists()
    with pytest.raises(ValidationError):
        services.escalate_petition(inst_admin, open_petition)
    # Still signable after escalation.
    sign_and_confirm(open_petition, "late@example.org")
    assert count(open_petition) == 6


# --- Retention and personal data ---------------------------------------------------------


def test_anonymize_after_months_keeps_counts(open_petition, inst_admin, settings):
    settings.PETITIONS_ANONYMIZE_AFTER_MONTHS = 1
    sign_and_confirm(open_petition, "a@example.org", postcode="69001")
    services.close_petition(inst_admin, open_petition)
    assert services.anonymize_due() == 0
    Petition.objects.filter(pk=open_petition.pk).update(closed_at=timezone.now() - datetime.timedelta(days=40))
    assert services.anonymize_due() == 1
    sig = Signature.objects.get()
    assert sig.name == "" and sig.email == "" and sig.email_normalized.endswith("@invalid") and sig.ip is None
    assert sig.departement_id == "69" and count(open_petition) == 1


def test_personal_data_export(open_petition, other_citizen):
    from terreau.accounts.services import export_personal_data

    services.sign_as_user(other_citizen, open_petition)
    data = export_personal_data(other_citizen)
    assert open_petition.title in data and "petition_signatures" in data


# --- Concurrency -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_submits_one_row(citizen, institution, petition_type, moderator):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    petition = make_petition(citizen, institution, petition_type, publish_by=moderator)
    barrier = threading.Barrier(12)
    errors = []

    def submit():
        from django.db import connection as conn

        try:
            barrier.wait()
            services.sign_anonymous(petition, signer(email="same@example.org"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=submit) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Signature.objects.filter(petition=petition).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_count_exactly(citizen, institution, petition_type, moderator):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    petition = make_petition(citizen, institution, petition_type, publish_by=moderator)
    tokens = []
    for i in range(20):
        services.sign_anonymous(petition, signer(email=f"c{i}@example.org"))
        tokens.append(confirm_token_from_outbox())
    barrier = threading.Barrier(20)

    def confirm(token):
        from django.db import connection as conn

        try:
            barrier.wait()
            services.confirm_signature(token)
        finally:
            conn.close()

    threads = [threading.Thread(target=confirm, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert services.exact_count(petition.pk) == 20
    assert services.reconcile_counts(petition.pk) == {"shards": 20, "exact": 20}


def test_clear_flags_counts_again(open_petition, moderator):
    sign_and_confirm(open_petition, "a@example.org")
    sign_and_confirm(open_petition, "b@other.example")
    ids = list(Signature.objects.values_list("pk", flat=True))
    services.flag_signatures(open_petition.pk, ids, "cluster_burst")
    assert count(open_petition) == 0
    n = services.clear_flags(moderator, open_petition, services.InvalidationFilter(domain="example.org"), "Presse")
    assert n == 1 and count(open_petition) == 1
    assert AuditEvent.objects.filter(kind="petition.flags_cleared").exists()
    assert services.reconcile_counts(open_petition.pk) == {"shards": 1, "exact": 1}
