"""Background tasks (Django's Tasks API): emails and the periodic jobs.

Emails are sent here, never in a request: a mail outage leaves the signature stored and
pending; the periodic job (`run_maintenance`) queues again the confirmations never sent.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from terreau.petitions import queries, services
from terreau.petitions.models import Petition, PetitionStatus, Signature

logger = logging.getLogger(__name__)
CONFIRMATION_BATCH = 200


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/")


def _message(template: str, to: str, context: dict) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"petitions/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"petitions/email/{template}.txt", context)
    return EmailMessage(subject, body, None, [to])


def _send(template: str, to: str, context: dict) -> None:
    _message(template, to, context).send()


def _confirmation(claimed: services.ClaimedConfirmation) -> EmailMessage:
    signature = claimed.signature
    return _message(
        "confirm",
        signature.email,
        {
            "petition": signature.petition,
            "name": signature.name,
            "confirm_url": site_url() + reverse("petitions:confirm", args=[claimed.confirm_token]),
            "withdraw_url": site_url() + reverse("petitions:withdraw_token", args=[claimed.withdraw_token]),
            "hours": int(services.confirm_ttl().total_seconds() // 3600),
        },
    )


def _send_confirmations(batch: list[services.ClaimedConfirmation]) -> int:
    """Send over one mail connection; an address that failed, or every unsent one if the
    connection itself failed, gets its tokens cleared for the periodic retry."""
    sent: set[int] = set()
    connection = mailers.default
    try:
        connection.open()
        for claimed in batch:
            try:
                connection.send_messages([_confirmation(claimed)])
            except Exception:
                logger.exception("confirmation email for signature %s failed", claimed.signature.pk)
            else:
                sent.add(claimed.signature.pk)
    except Exception:
        logger.exception("mail connection failed; %s confirmation emails left for the retry", len(batch) - len(sent))
    finally:
        connection.close()
    if failed := [c.signature.pk for c in batch if c.signature.pk not in sent]:
        services.release_confirmations(failed)
    return len(sent)


@task
def send_confirmation(signature_id: int) -> None:
    """New tokens (confirmation, withdrawal), then the email of one pending signature."""
    batch = services.claim_confirmations(ids=[signature_id])
    if batch and _send_confirmations(batch) == 0:
        raise RuntimeError(f"confirmation email for signature {signature_id} not sent")


@task
def send_pending_confirmations() -> int:
    """Send the confirmation email of every signature still waiting for one, by batches.

    Queued by services.wake_confirmation_sender(): at most one run per web process and
    second under load, instead of one queued task per signature.
    """
    sent, after = 0, 0
    while batch := services.claim_confirmations(after=after, limit=CONFIRMATION_BATCH):
        after = batch[-1].signature.pk
        sent += _send_confirmations(batch)
        if len(batch) < CONFIRMATION_BATCH:
            break
    return sent


@task
def send_already_signed(signature_id: int) -> None:
    """A second attempt with the same email: tell the owner of the address, not the page."""
    signature = Signature.objects.select_related("petition").filter(pk=signature_id).first()
    if signature is None or not signature.email:
        return
    if signature.confirmed_at is None:
        send_confirmation.call(signature_id)
        return
    withdraw, withdraw_hash = services.new_token()
    Signature.objects.filter(pk=signature_id).update(withdraw_token_hash=withdraw_hash)
    _send(
        "already_signed",
        signature.email,
        {
            "petition": signature.petition,
            "petition_url": site_url() + signature.petition.get_absolute_url(),
            "withdraw_url": site_url() + reverse("petitions:withdraw_token", args=[withdraw]),
        },
    )


@task
def notify_answer(petition_id: int) -> None:
    """Email the answer's link to the confirmed signers who asked for it."""
    petition = Petition.objects.filter(pk=petition_id).first()
    if petition is None or petition.answered_at is None:
        return
    context = {"petition": petition, "petition_url": site_url() + petition.get_absolute_url()}
    emails = (
        Signature.objects.filter(petition_id=petition_id, notify_answer=True, counted=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .iterator(chunk_size=2000)
    )
    for email in emails:
        _send("answer", email, context)


@task
def maintenance() -> dict[str, int]:
    return run_maintenance()


def run_maintenance() -> dict[str, int]:
    """The periodic jobs: close expired collections, flag clusters, reconcile the counts,
    check thresholds, re-queue unsent confirmations, anonymize old petitions."""
    result = {"closed": services.close_expired(), "flagged_clusters": 0, "reconciled": 0, "resent": 0}
    active = Petition.objects.filter(
        status__in=[PetitionStatus.OPEN, PetitionStatus.ANSWERED, PetitionStatus.ESCALATED]
    )
    for pk in active.filter(closed_at__isnull=True).values_list("pk", flat=True):
        result["flagged_clusters"] += len(services.flag_clusters(pk))
        services.reconcile_counts(pk)
        services.check_thresholds(pk)
        queries.counts_by_departement(pk, refresh=True)
        result["reconciled"] += 1
    stale = timezone.now() - datetime.timedelta(minutes=10)
    for pk in (
        Signature.objects.filter(confirmed_at__isnull=True, confirm_token_hash="", created_at__lt=stale)
        .filter(~Q(email=""), petition__closed_at__isnull=True)
        .values_list("pk", flat=True)[:5000]
    ):
        send_confirmation.enqueue(pk)
        result["resent"] += 1
    result["anonymized"] = services.anonymize_due()
    return result
