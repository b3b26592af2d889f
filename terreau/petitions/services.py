"""Every write on petitions, and every permission check before it.

Counting: a signature's `counted` flag and one random counter shard change in the same
transaction (`_shard_add`), so the count (sum of the shards) is exact without a hot row.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from terreau.audit.services import record_event
from terreau.core import ratelimit
from terreau.core.geoip import country_of_ip
from terreau.core.markdown import render_markdown
from terreau.petitions import emails, fraud
from terreau.petitions.models import (
    ANSWER_MAX,
    CONTEXT_MAX,
    DEMAND_MAX,
    NAME_MAX,
    REFUSAL_MAX,
    SIGNABLE_STATUSES,
    TITLE_MAX,
    UPDATE_MAX,
    CounterShard,
    Petition,
    PetitionStatus,
    PetitionType,
    PetitionUpdate,
    Signature,
    SignatureInvalidation,
)
from terreau.processes.models import Institution, Role
from terreau.processes.permissions import is_platform_admin, require, roles_in
from terreau.territories.models import Commune, Departement

TOKEN_BYTES = 32


def shard_count() -> int:
    return int(getattr(settings, "PETITIONS_COUNTER_SHARDS", 16))


def confirm_ttl() -> datetime.timedelta:
    return datetime.timedelta(hours=int(getattr(settings, "PETITIONS_CONFIRM_HOURS", 72)))


def count_cache_key(petition_id: int) -> str:
    return f"petitions:count:{petition_id}"


# --- Permissions --------------------------------------------------------------------------


def has_verified_email(user) -> bool:
    from terreau.discussions.services import has_verified_email as verified

    return bool(getattr(user, "is_authenticated", False) and user.is_active and verified(user))


def can_draft(user) -> bool:
    return has_verified_email(user)


def can_moderate(user, petition: Petition) -> bool:
    """Publish or refuse: the addressee's admins and moderators, or platform admins."""
    return is_platform_admin(user) or bool(roles_in(user, petition.institution) & {Role.ADMIN, Role.MODERATOR})


def can_manage(user, petition: Petition) -> bool:
    """Answer, escalate, close, export: the addressee's admins, or platform admins."""
    return is_platform_admin(user) or Role.ADMIN in roles_in(user, petition.institution)


def can_export(user, petition: Petition) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        petition.author_id == user.pk or can_manage(user, petition)
    )


# --- Text helpers -------------------------------------------------------------------------


def _clean_text(value: Any, field: str, max_length: int, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Valeur invalide.")})
    value = value.replace("\r\n", "\n").strip()
    if "\x00" in value:
        raise ValidationError({field: _("Le texte contient un caractère non autorisé.")})
    if required and not value:
        raise ValidationError({field: _("Ce champ est obligatoire.")})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("%(max)s caractères au plus (%(n)s saisis).") % {"max": max_length, "n": len(value)}}
        )
    return value


def _unique_slug(title: str) -> str:
    root = (slugify(title) or "petition")[:80].strip("-") or "petition"
    slug, n = root, 1
    while Petition.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


# --- Drafting and moderation --------------------------------------------------------------


def draft_petition(
    author,
    *,
    title: str,
    demand: str,
    context: str = "",
    institution: Institution,
    petition_type: PetitionType | None = None,
    scope_level: str = "national",
    scope_region=None,
    scope_departement=None,
    scope_commune=None,
    goal: int | None = None,
) -> Petition:
    """A new petition, waiting for the addressee's (or the platform's) moderation."""
    require(can_draft(author))
    title = _clean_text(title, "title", TITLE_MAX)
    demand = _clean_text(demand, "demand", DEMAND_MAX)
    context = _clean_text(context, "context", CONTEXT_MAX, required=False)
    if petition_type is not None and petition_type.institution_id != institution.pk:
        raise ValidationError({"petition_type": _("Ce type de pétition n'appartient pas à cette institution.")})
    if goal is not None and (not isinstance(goal, int) or goal <= 0 or goal > 100_000_000):
        raise ValidationError({"goal": _("L'objectif doit être un nombre de signatures positif.")})
    scope = {"scope_region": scope_region, "scope_departement": scope_departement, "scope_commune": scope_commune}
    wanted = {"region": "scope_region", "departement": "scope_departement", "commune": "scope_commune"}
    if scope_level not in ("national", *wanted):
        raise ValidationError({"scope_level": _("Territoire inconnu.")})
    for level, field in wanted.items():
        if level != scope_level:
            scope[field] = None
        elif scope[field] is None:
            raise ValidationError({field: _("Choisissez le territoire concerné.")})
    petition = Petition(
        title=title,
        demand=demand,
        context=context,
        context_html=str(render_markdown(context)) if context else "",
        author=author,
        institution=institution,
        petition_type=petition_type,
        scope_level=scope_level,
        goal=goal,
        **scope,
    )
    for _attempt in range(5):
        petition.slug = _unique_slug(title)
        try:
            with transaction.atomic():
                petition.save()
            return petition
        except IntegrityError:
            if not Petition.objects.filter(slug=petition.slug).exists():
                raise
    raise IntegrityError("no free slug")


def publish_petition(actor, petition: Petition, *, closes_on: datetime.date | None = None) -> Petition:
    require(can_moderate(actor, petition))
    now = timezone.now()
    with transaction.atomic():
        updated = Petition.objects.filter(pk=petition.pk, status=PetitionStatus.PENDING).update(
            status=PetitionStatus.OPEN, published_at=now, closes_on=closes_on, moderated_by=actor, refusal_reason=""
        )
        if not updated:
            raise ValidationError(_("Cette pétition n'est plus en attente de modération."))
        CounterShard.objects.bulk_create(
            [CounterShard(petition=petition, shard=i) for i in range(shard_count())], ignore_conflicts=True
        )
        petition.refresh_from_db()
        record_event("petition.published", actor=actor, target=petition, data={"institution": petition.institution_id})
    return petition


def refuse_petition(actor, petition: Petition, reason: str) -> Petition:
    require(can_moderate(actor, petition))
    reason = _clean_text(reason, "reason", REFUSAL_MAX)
    with transaction.atomic():
        updated = Petition.objects.filter(pk=petition.pk, status=PetitionStatus.PENDING).update(
            status=PetitionStatus.REFUSED, refusal_reason=reason, moderated_by=actor
        )
        if not updated:
            raise ValidationError(_("Cette pétition n'est plus en attente de modération."))
        petition.refresh_from_db()
        record_event("petition.refused", actor=actor, target=petition, data={"institution": petition.institution_id})
    return petition


def post_update(actor, petition: Petition, body: str) -> PetitionUpdate:
    require(getattr(actor, "is_authenticated", False) and petition.author_id == actor.pk and petition.is_public)
    body = _clean_text(body, "body", UPDATE_MAX)
    return PetitionUpdate.objects.create(petition=petition, body=body, body_html=str(render_markdown(body)))


def close_petition(actor, petition: Petition | None = None, *, petition_id: int | None = None) -> None:
    """End the collection (staff, or the daily job with actor=None for past `closes_on`)."""
    petition = petition or Petition.objects.get(pk=petition_id)
    if actor is not None:
        require(can_manage(actor, petition))
    now = timezone.now()
    with transaction.atomic():
        Petition.objects.filter(pk=petition.pk, closed_at__isnull=True).update(closed_at=now)
        Petition.objects.filter(pk=petition.pk, status=PetitionStatus.OPEN).update(status=PetitionStatus.CLOSED)
    invalidate_page_cache(petition.pk)


def close_expired(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    ids = list(
        Petition.objects.filter(closed_at__isnull=True, closes_on__lt=today, published_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        close_petition(None, petition_id=pk)
    return len(ids)


# --- Counting -----------------------------------------------------------------------------


def _shard_add(petition_id: int, delta: int) -> None:
    """Add `delta` to one random shard (call inside the transaction that changes `counted`)."""
    if not delta:
        return
    shard = random.randrange(shard_count())
    if not CounterShard.objects.filter(petition_id=petition_id, shard=shard).update(count=F("count") + delta):
        CounterShard.objects.bulk_create(
            [CounterShard(petition_id=petition_id, shard=i) for i in range(shard_count())], ignore_conflicts=True
        )
        CounterShard.objects.filter(petition_id=petition_id, shard=shard).update(count=F("count") + delta)


def exact_count(petition_id: int) -> int:
    """The sum of the shards (uncached)."""
    return CounterShard.objects.filter(petition_id=petition_id).aggregate(n=Sum("count"))["n"] or 0


def reconcile_counts(petition_id: int) -> dict[str, int]:
    """Recompute the count from the signatures; fix the shards if they drifted.

    The shards are locked first, so a confirmation in flight either committed before the
    recount (and is seen) or increments its shard after it (and the sum stays right).
    """
    with transaction.atomic():
        shards = list(CounterShard.objects.select_for_update().filter(petition_id=petition_id).order_by("shard"))
        summed = sum(s.count for s in shards)
        exact = Signature.objects.filter(petition_id=petition_id, counted=True).count()
        if shards and summed != exact:
            CounterShard.objects.filter(pk=shards[0].pk).update(count=F("count") + (exact - summed))
        elif not shards and exact:
            CounterShard.objects.create(petition_id=petition_id, shard=0, count=exact)
        Petition.objects.filter(pk=petition_id).update(signature_count=exact)
    cache.delete(count_cache_key(petition_id))
    return {"shards": summed, "exact": exact}


def thresholds_pending(petition: Petition) -> bool:
    """Whether a threshold of this petition (as loaded) is still to be reached."""
    return petition.petition_type_id is not None and (
        petition.threshold_reached_at is None or petition.escalation_reached_at is None
    )


def check_thresholds(petition_id: int, count: int | None = None, *, petition: Petition | None = None) -> None:
    """Open the answer due at N signatures, note the escalation threshold at M (once each).

    `petition` (with its type) saves the lookup when the caller already has it; the UPDATEs
    below are conditional, so a stale copy cannot record a threshold twice.
    """
    if petition is None:
        petition = Petition.objects.select_related("petition_type").filter(pk=petition_id).first()
    if petition is None or petition.petition_type is None:
        return
    kind = petition.petition_type
    if petition.threshold_reached_at and petition.escalation_reached_at:
        return
    count = exact_count(petition_id) if count is None else count
    now = timezone.now()
    if count >= kind.answer_threshold and petition.threshold_reached_at is None:
        with transaction.atomic():
            if Petition.objects.filter(pk=petition_id, threshold_reached_at__isnull=True).update(
                threshold_reached_at=now,
                answer_due=timezone.localdate(now) + datetime.timedelta(days=kind.answer_days),
            ):
                record_event("petition.threshold_reached", target=petition, data={"threshold": kind.answer_threshold})
    if count >= kind.escalation_threshold and petition.escalation_reached_at is None:
        Petition.objects.filter(pk=petition_id, escalation_reached_at__isnull=True).update(escalation_reached_at=now)


def invalidate_page_cache(petition_id: int) -> None:
    from terreau.petitions import pagecache

    slug = Petition.objects.filter(pk=petition_id).values_list("slug", flat=True).first()
    if slug:
        pagecache.invalidate(slug)
    cache.delete(count_cache_key(petition_id))
    cache.delete(f"petitions:depts:{petition_id}")
    for code, _name in settings.LANGUAGES:
        cache.delete(f"petitions:page:{petition_id}:{code}")


# --- Signing ------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, _hash(token)


_postcode_map: dict[str, str] | None = None


def departement_for_postcode(postcode: str) -> str | None:
    """The département of a French postcode, from the communes' postcodes (loaded once)."""
    global _postcode_map
    if _postcode_map is None:
        mapping: dict[str, str] = {}
        for codes, dept in Commune.objects.exclude(postcodes="").values_list("postcodes", "departement_id"):
            for code in codes.split():
                mapping.setdefault(code, dept)
        _postcode_map = mapping
    return _postcode_map.get(postcode)


@dataclass(frozen=True)
class SignerInput:
    name: str
    email: str
    email_normalized: str
    email_domain: str
    commune: Commune | None
    departement_id: str | None
    postcode: str
    abroad: bool


def clean_signer(*, name: Any, email: Any, commune: Commune | None, postcode: Any, abroad: Any) -> SignerInput:
    """Validate what an anonymous signer typed; errors keyed by field, nothing written."""
    errors: dict[str, str] = {}
    try:
        name = _clean_text(name, "name", NAME_MAX)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    raw_email = email if isinstance(email, str) else ""
    normalized = domain = ""
    try:
        if not raw_email.strip():
            raise ValueError(_("Indiquez votre adresse e-mail."))
        normalized = emails.normalize_email(raw_email)
        domain = emails.email_domain(normalized)
    except ValueError as exc:
        errors["email"] = str(exc)
    postcode = postcode.strip() if isinstance(postcode, str) else ""
    abroad = bool(abroad)
    departement_id = None
    if commune is not None:
        departement_id = commune.departement_id
        postcode = ""
        abroad = False
    elif postcode:
        if not (len(postcode) == 5 and postcode.isdigit()):
            errors["postcode"] = _("Un code postal français a cinq chiffres.")
        else:
            departement_id = departement_for_postcode(postcode)
            if departement_id is None:
                errors["postcode"] = _("Code postal inconnu : vérifiez-le ou choisissez votre commune.")
        abroad = False
    elif not abroad:
        errors["commune"] = _("Indiquez votre commune ou votre code postal, ou cochez « je vis hors de France ».")
    if errors:
        raise ValidationError(errors)
    return SignerInput(
        name=name,
        email=raw_email.strip(),
        email_normalized=normalized,
        email_domain=domain,
        commune=commune,
        departement_id=departement_id,
        postcode=postcode,
        abroad=abroad,
    )


def _require_signable(petition: Petition) -> None:
    if not petition.accepts_signatures:
        raise ValidationError(_("Cette pétition ne recueille plus de signatures."))


def sign_anonymous(
    petition: Petition,
    signer: SignerInput,
    *,
    show_name: bool = False,
    notify_answer: bool = False,
    ip: str | None = None,
    country: str | None = None,
) -> None:
    """Record a pending signature; its confirmation email is sent by the batch task.

    The caller shows the same page whatever happens here (SECURITY.md #9): a known email
    writes nothing and queues an "already signed" email instead. The fraud rules run when
    the batch claims the row for its email (`claim_confirmations`): a suspicious one is
    kept, marked and will not be counted. `petition` may be a copy a few seconds old
    (queries.petition_for_signing_cached): the INSERT itself checks that the petition still
    accepts signatures.
    """
    from terreau.petitions import tasks

    _require_signable(petition)
    known_ip = ip if ip and ip != "unknown" else None
    inserted = _insert_pending_signature(
        {
            "petition": petition.pk,
            "name": signer.name,
            "email": signer.email,
            "email_normalized": signer.email_normalized,
            "email_domain": signer.email_domain,
            "commune": signer.commune.pk if signer.commune else None,
            "departement": signer.departement_id,
            "postcode": signer.postcode,
            "abroad": signer.abroad,
            "show_name": bool(show_name),
            "notify_answer": bool(notify_answer),
            "ip": known_ip,
            "ip_range": "",  # with the country (unless given), set by the batch with the fraud rules
            "country": country or "",
            "created_at": timezone.now(),
        },
    )
    if inserted:
        wake_confirmation_sender()
        return
    existing = (
        Signature.objects.filter(petition_id=petition.pk, email_normalized=signer.email_normalized)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is None:  # nothing written and not a duplicate: the petition closed meanwhile
        raise ValidationError(_("Cette pétition ne recueille plus de signatures."))
    # At most a few such emails per signature and hour: no mail bombing through the form.
    if ratelimit.hit(f"signature:{existing}", "petition-already-signed", 3, 3600):
        tasks.send_already_signed.enqueue(existing)


# Every column a new pending signature sets (the others are NULL, "" or false by default).
_PENDING_COLUMNS = (
    "petition",
    "name",
    "email",
    "email_normalized",
    "email_domain",
    "commune",
    "departement",
    "postcode",
    "abroad",
    "show_name",
    "notify_answer",
    "ip",
    "ip_range",
    "country",
    "created_at",
    "suspicious",
    "flags",
    "user",
    "confirmed_at",
    "confirm_token_hash",
    "confirm_expires_at",
    "withdraw_token_hash",
    "invalidation",
    "invalidated_at",
    "counted",
)
_PENDING_DEFAULTS = {
    "suspicious": False,  # until the confirmation batch assesses it
    "flags": [],
    "user": None,
    "confirmed_at": None,
    "confirm_token_hash": "",
    "confirm_expires_at": None,
    "withdraw_token_hash": "",
    "invalidation": None,
    "invalidated_at": None,
    "counted": False,
}
_insert_sql: dict[str, str] = {}


def _pending_insert_sql() -> str:
    """INSERT … SELECT … WHERE the petition accepts signatures ON CONFLICT DO NOTHING.

    One statement in autocommit: no transaction block, no savepoint, no IntegrityError to
    catch for a duplicate, nothing compiled per request. PostgreSQL types the literals of a
    SELECT list as text, hence the casts there; SQLite stores them by column affinity.
    """
    vendor = connection.vendor
    if vendor not in _insert_sql:
        meta = Signature._meta
        quote = connection.ops.quote_name
        fields = [meta.get_field(name) for name in _PENDING_COLUMNS]
        if vendor == "postgresql":
            values = [f"CAST(%s AS {f.db_type(connection)})" for f in fields]
        else:
            values = ["%s"] * len(fields)
        statuses = ", ".join(f"'{s.value}'" for s in SIGNABLE_STATUSES)
        # Only model metadata and constants go into the text; every value is a parameter.
        _insert_sql[vendor] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
            f"SELECT {', '.join(values)} WHERE EXISTS (SELECT 1 FROM {quote(Petition._meta.db_table)} "
            f"WHERE id = %s AND closed_at IS NULL AND status IN ({statuses})) ON CONFLICT DO NOTHING"
        )
    return _insert_sql[vendor]


def _insert_pending_signature(values: dict[str, Any]) -> bool:
    """Insert one unconfirmed signature; False when it exists already or the petition is closed."""
    row = values | _PENDING_DEFAULTS
    if connection.vendor == "postgresql":
        # The statement casts every parameter to its column's type: plain values do (JSON as text).
        params = [json.dumps(row[name]) if name == "flags" else row[name] for name in _PENDING_COLUMNS]
        params.append(values["petition"])  # the petition whose state the statement checks
        return _execute_prepared_insert(params)
    meta = Signature._meta
    params = [meta.get_field(name).get_db_prep_save(row[name], connection) for name in _PENDING_COLUMNS]
    params.append(values["petition"])
    with connection.cursor() as cursor:
        cursor.execute(_pending_insert_sql(), params)
        return cursor.rowcount == 1


def _execute_prepared_insert(params: list[Any]) -> bool:
    """Run the pending-signature INSERT as a prepared statement, without a health check.

    Django's cursors inline the parameters, so PostgreSQL would plan every execution; this
    one is prepared once per connection (0.56 → 0.30 ms of database CPU per signature).
    Django's once-per-request health check is a round trip of its own, which costs the web
    process as much CPU as the INSERT's; the statement is idempotent (ON CONFLICT DO
    NOTHING), so instead a connection found broken is replaced and the statement sent once
    more. A first attempt that did commit makes the second a no-op: the caller then takes
    the "already signed" path, whose email to an unconfirmed signer is the confirmation.
    """
    import psycopg

    for attempt in (1, 2):
        connection.ensure_connection()
        try:
            with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as prepared:
                prepared.execute(_pending_insert_sql(), params, prepare=True)
                return prepared.rowcount == 1
        except OperationalError:
            if attempt == 2 or connection.in_atomic_block or connection.is_usable():
                raise
            connection.close()
    raise AssertionError("unreachable")


_wake_lock = threading.Lock()
_next_wake = 0.0


def confirmation_batch_delay() -> float:
    return float(getattr(settings, "PETITIONS_CONFIRMATION_BATCH_SECONDS", 1.0))


def wake_confirmation_sender() -> None:
    """Have the batch task send the confirmation emails of the signatures just written.

    With a backend that can defer (the database one), a process queues at most one run per
    `confirmation_batch_delay()` seconds, due that long after: every signature this process
    committed before queuing is pending when the run starts, and the run sends all that are
    pending. A queue row per signature was a fifth of a signature's cost under load. Without
    deferral (the immediate backend of the tests) every call runs the task at once.
    """
    from terreau.petitions import tasks

    global _next_wake
    task = tasks.send_pending_confirmations
    if not task.get_backend().supports_defer:
        task.enqueue()
        return
    delay = confirmation_batch_delay()
    now = time.monotonic()
    with _wake_lock:
        if now < _next_wake:
            return
        _next_wake = now + delay
    task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay)).enqueue()


@dataclass(slots=True)
class ClaimedConfirmation:
    signature: Signature
    confirm_token: str
    withdraw_token: str


def claim_confirmations(*, after: int = 0, limit: int = 200, ids: list[int] | None = None) -> list[ClaimedConfirmation]:
    """Give new tokens to signatures about to receive their confirmation email.

    Without `ids`: up to `limit` signatures never emailed, by id after `after`, skipping rows
    another worker holds. With `ids`: those unconfirmed signatures, emailed before or not (a
    new email after "already signed"). Only the tokens' hashes are stored.
    """
    if ids is None:
        # Never emailed (the partial index signature_unsent_idx holds exactly these rows).
        rows = Signature.objects.filter(
            confirmed_at__isnull=True, confirm_token_hash="", confirm_expires_at__isnull=True
        )
        rows = rows.filter(pk__gt=after, petition__closed_at__isnull=True).exclude(email="").order_by("pk")
    else:
        rows = Signature.objects.filter(pk__in=ids, confirmed_at__isnull=True).exclude(email="").order_by("pk")
    expires = timezone.now() + confirm_ttl()
    claimed = []
    with transaction.atomic():
        locked = rows.select_related("petition").select_for_update(skip_locked=True, of=("self",))
        for signature in locked[:limit]:
            confirm, signature.confirm_token_hash = new_token()
            withdraw, signature.withdraw_token_hash = new_token()
            claimed.append(ClaimedConfirmation(signature, confirm, withdraw))
        # Never claimed before: submitted since the last batch, not assessed yet. The rules
        # run here, off the signing request, and before any confirmation link exists.
        fresh = [c.signature for c in claimed if c.signature.confirm_expires_at is None]
        for signature in fresh:
            if signature.ip:
                signature.ip_range = signature.ip_range or fraud.ip_range(signature.ip)
                signature.country = signature.country or country_of_ip(signature.ip) or ""
        verdicts = fraud.assess_signatures(
            [fraud.Submission(s.petition_id, s.ip or "unknown", s.email_domain, s.country or None) for s in fresh]
        )
        for signature, flags in zip(fresh, verdicts, strict=True):
            if flags:  # added to what the cluster job may have marked meanwhile
                signature.flags = [*(signature.flags or []), *(f for f in flags if f not in (signature.flags or []))]
                signature.suspicious = True
        for c in claimed:
            c.signature.confirm_expires_at = expires
        fields = ["confirm_token_hash", "withdraw_token_hash", "confirm_expires_at"]
        if fresh:
            fields += ["ip_range", "country", "suspicious", "flags"]
        Signature.objects.bulk_update([c.signature for c in claimed], fields)
    return claimed


def release_confirmations(ids: list[int]) -> None:
    """The email could not be sent: drop the tokens; run_maintenance tries again later.

    `confirm_expires_at` stays set, so the batch sender does not retry at once.
    """
    Signature.objects.filter(pk__in=ids, confirmed_at__isnull=True).update(
        confirm_token_hash="", withdraw_token_hash=""
    )


def sign_as_user(
    user, petition: Petition, *, show_name: bool = False, notify_answer: bool = False, ip: str | None = None
) -> str:
    """One-click signature of a signed-in user with a verified email: "signed" or "already"."""
    require(has_verified_email(user))
    _require_signable(petition)
    try:
        normalized = emails.normalize_email(user.email)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    domain = emails.email_domain(normalized)
    country = country_of_ip(ip)
    flags = fraud.assess_signature(petition_id=petition.pk, ip=ip or "unknown", email_domain=domain, country=country)
    commune = user.commune
    now = timezone.now()
    try:
        with transaction.atomic():
            Signature.objects.create(
                petition=petition,
                user=user,
                name=user.public_name,
                email=user.email,
                email_normalized=normalized,
                email_domain=domain,
                commune=commune,
                departement_id=commune.departement_id if commune else None,
                show_name=bool(show_name),
                notify_answer=bool(notify_answer),
                ip=ip if ip and ip != "unknown" else None,
                ip_range=fraud.ip_range(ip) if ip and ip != "unknown" else "",
                country=country or "",
                confirmed_at=now,
                suspicious=bool(flags),
                flags=flags,
                counted=not flags,
            )
            if not flags:
                _shard_add(petition.pk, 1)
    except IntegrityError:
        return "already"
    if not flags:
        _after_count_change(petition.pk)
    return "signed"


def _after_count_change(petition_id: int) -> None:
    cache.delete(count_cache_key(petition_id))
    check_thresholds(petition_id)


def confirm_signature(token: str) -> Signature | None:
    """Confirm the signature of this token; None if unknown, expired or no longer possible.

    Returns the signature (already confirmed ones included, so a second click is harmless).
    """
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        return None
    digest = _hash(token)
    found = (
        Signature.objects.select_related("petition", "petition__petition_type")
        .only(*_CONFIRM_FIELDS)
        .filter(confirm_token_hash=digest)
        .order_by()[:1]
    )
    signature = next(iter(found), None)
    if signature is None:
        return None
    if signature.confirmed_at is not None:
        return signature
    if signature.confirm_expires_at is None or signature.confirm_expires_at < timezone.now():
        return None
    if not signature.petition.accepts_signatures:
        return None
    now = timezone.now()
    with transaction.atomic():
        updated = Signature.objects.filter(pk=signature.pk, confirmed_at__isnull=True).update(
            confirmed_at=now, counted=not signature.suspicious and signature.invalidated_at is None
        )
        counted = bool(updated) and not signature.suspicious and signature.invalidated_at is None
        if counted:
            _shard_add(signature.petition_id, 1)
    if updated:
        # What the UPDATE wrote (no refresh_from_db: a second query for known values).
        signature.confirmed_at, signature.counted = now, counted
    else:
        # Confirmed by a concurrent request in the meantime: read what it wrote.
        signature.refresh_from_db(fields=["confirmed_at", "counted"])
    if counted:
        cache.delete(count_cache_key(signature.petition_id))
        if thresholds_pending(signature.petition):
            check_thresholds(signature.petition_id, petition=signature.petition)
    return signature


# What confirm_signature reads: the signature's state and what the thresholds need.
_CONFIRM_FIELDS = (
    "id",
    "petition_id",
    "confirmed_at",
    "confirm_expires_at",
    "suspicious",
    "invalidated_at",
    "counted",
    "petition__id",
    "petition__slug",
    "petition__status",
    "petition__closes_on",
    "petition__closed_at",
    "petition__petition_type_id",
    "petition__threshold_reached_at",
    "petition__escalation_reached_at",
    "petition__petition_type__id",
    "petition__petition_type__answer_threshold",
    "petition__petition_type__answer_days",
    "petition__petition_type__escalation_threshold",
)


def _withdraw(signature_id: int) -> bool:
    with transaction.atomic():
        signature = Signature.objects.select_for_update().select_related("petition").filter(pk=signature_id).first()
        if signature is None:
            return False
        if not signature.petition.accepts_signatures:
            raise ValidationError(_("La collecte est close : la signature ne peut plus être retirée."))
        was_counted = signature.counted
        signature.delete()
        if was_counted:
            _shard_add(signature.petition_id, -1)
    if was_counted:
        cache.delete(count_cache_key(signature.petition_id))
    return True


def withdraw_by_token(token: str) -> Petition | None:
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        return None
    signature = Signature.objects.select_related("petition").filter(withdraw_token_hash=_hash(token)).first()
    if signature is None:
        return None
    petition = signature.petition
    return petition if _withdraw(signature.pk) else None


def withdraw_user(user, petition: Petition) -> bool:
    require(getattr(user, "is_authenticated", False))
    pk = Signature.objects.filter(petition=petition, user=user).values_list("pk", flat=True).first()
    return bool(pk) and _withdraw(pk)


# --- Answer and escalation ----------------------------------------------------------------


def answer_petition(actor, petition: Petition, body: str) -> Petition:
    """The addressee's official answer (once; audit-logged); the consenting signers are told."""
    from terreau.petitions import tasks

    require(can_manage(actor, petition))
    body = _clean_text(body, "answer", ANSWER_MAX)
    if not petition.is_public:
        raise ValidationError(_("Cette pétition n'est pas publiée."))
    now = timezone.now()
    with transaction.atomic():
        new_status = F("status") if petition.status == PetitionStatus.ESCALATED else PetitionStatus.ANSWERED
        updated = Petition.objects.filter(pk=petition.pk, answered_at__isnull=True).update(
            answer=body, answer_html=str(render_markdown(body)), answered_at=now, answered_by=actor, status=new_status
        )
        if not updated:
            raise ValidationError(_("Cette pétition a déjà reçu sa réponse."))
        petition.refresh_from_db()
        record_event(
            "petition.answered",
            actor=actor,
            target=petition,
            data={"due": petition.answer_due.isoformat() if petition.answer_due else None},
        )
        tasks.notify_answer.enqueue(petition.pk)
    invalidate_page_cache(petition.pk)
    return petition


def can_escalate(user, petition: Petition) -> bool:
    return (
        can_manage(user, petition)
        and petition.escalated_process_id is None
        and petition.is_public
        and petition.escalation_reached_at is not None
    )


def escalate_petition(actor, petition: Petition):
    """Open a linked draft process for the addressee, prefilled from the petition."""
    from terreau.processes import services as process_services
    from terreau.processes.modules import registry

    require(can_manage(actor, petition))
    if petition.escalation_reached_at is None:
        check_thresholds(petition.pk)
        petition.refresh_from_db()
    if petition.escalation_reached_at is None:
        raise ValidationError(_("Le seuil de saisine n'est pas atteint."))
    if petition.escalated_process_id is not None:
        raise ValidationError(_("Cette pétition a déjà donné lieu à une démarche."))
    module = "consultation" if registry.get("consultation") is not None else "page"
    url = petition.get_absolute_url()
    body = (
        _("Cette démarche fait suite à la pétition « %(title)s » (%(url)s).") % {"title": petition.title, "url": url}
        + "\n\n> "
        + petition.demand.replace("\n", "\n> ")
        + ("\n\n" + petition.context if petition.context else "")
    )
    with transaction.atomic():
        locked = Petition.objects.select_for_update().get(pk=petition.pk)
        if locked.escalated_process_id is not None:
            raise ValidationError(_("Cette pétition a déjà donné lieu à une démarche."))
        process = process_services.create_process(
            actor,
            petition.institution,
            title=petition.title[:200],
            summary=petition.demand[:500],
            body=body,
            scope_level=petition.scope_level,
            scope_region=petition.scope_region,
            scope_departement=petition.scope_departement,
            scope_commune=petition.scope_commune,
        )
        attached = process_services.attach_module(actor, process, module, _("Consultation")[:150])
        if module == "page":
            from terreau.pages.services import save_page

            save_page(actor, attached, body)
        now = timezone.now()
        Petition.objects.filter(pk=petition.pk).update(
            status=PetitionStatus.ESCALATED, escalated_process=process, escalated_at=now
        )
        petition.refresh_from_db()
        record_event("petition.escalated", actor=actor, target=petition, data={"process": process.pk, "module": module})
    invalidate_page_cache(petition.pk)
    return process


# --- Fraud: flags and bulk invalidation ---------------------------------------------------


def _uncount(petition_id: int, ids_qs) -> int:
    """Stop counting these signatures (inside a transaction); returns how many were counted."""
    counted = ids_qs.filter(counted=True).update(counted=False)
    _shard_add(petition_id, -counted)
    return counted


def flag_signatures(petition_id: int, ids: list[int], reason: str) -> int:
    """Mark signatures suspicious (the cluster job); they stop counting."""
    flagged = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        with transaction.atomic():
            rows = list(
                Signature.objects.select_for_update()
                .filter(petition_id=petition_id, pk__in=chunk, suspicious=False)
                .values_list("pk", "flags")
            )
            if not rows:
                continue
            pks = [pk for pk, _flags in rows]
            _uncount(petition_id, Signature.objects.filter(pk__in=pks))
            for pk, flags in rows:
                Signature.objects.filter(pk=pk).update(suspicious=True, flags=[*(flags or []), reason])
            flagged += len(pks)
    if flagged:
        invalidate_page_cache(petition_id)
    return flagged


def flag_clusters(petition_id: int, *, days: int = 7) -> list[fraud.Cluster]:
    """Find unusual clusters among the recent signatures of a petition and flag them.

    Grouped in the database (`fraud.find_clusters_in_db`): only the members of the flagged
    groups are read, not every signature of the last `days` days.
    """
    now = timezone.now()
    recent = Signature.objects.filter(
        petition_id=petition_id, created_at__gte=now - datetime.timedelta(days=days), invalidated_at__isnull=True
    )
    clusters = fraud.find_clusters_in_db(recent, now=now)
    for cluster in clusters:
        flag_signatures(petition_id, list(cluster.ids), f"cluster_{cluster.kind}")
    return clusters


@dataclass(frozen=True)
class InvalidationFilter:
    ip_prefix: str = ""
    domain: str = ""
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    flagged_only: bool = False

    def is_empty(self) -> bool:
        return not (self.ip_prefix or self.domain or self.since or self.until or self.flagged_only)

    def as_data(self) -> dict[str, Any]:
        return {
            "ip_prefix": self.ip_prefix,
            "domain": self.domain,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "flagged_only": self.flagged_only,
        }


def filtered_signatures(petition: Petition, criteria: InvalidationFilter):
    import ipaddress

    qs = Signature.objects.filter(petition=petition, invalidated_at__isnull=True)
    if criteria.ip_prefix:
        try:
            network = ipaddress.ip_network(criteria.ip_prefix.strip(), strict=False)
        except ValueError as exc:
            raise ValidationError({"ip_prefix": _("Plage d'adresses invalide (ex. 203.0.113.0/24).")}) from exc
        if network.version == 4 and network.prefixlen in (16, 24):
            parts = str(network.network_address).split(".")[: network.prefixlen // 8]
            qs = qs.filter(ip__startswith=".".join(parts) + ".")
        elif network.num_addresses == 1:
            qs = qs.filter(ip=str(network.network_address))
        else:
            # Other ranges (IPv6 /48...): test each address; a staff action, not a hot path.
            pks = [
                pk
                for pk, ip in qs.exclude(ip=None).values_list("pk", "ip").iterator(chunk_size=5000)
                if ipaddress.ip_address(ip) in network
            ]
            qs = qs.filter(pk__in=pks)
    if criteria.domain:
        qs = qs.filter(email_domain=criteria.domain.strip().lower())
    if criteria.since:
        qs = qs.filter(created_at__gte=criteria.since)
    if criteria.until:
        qs = qs.filter(created_at__lte=criteria.until)
    if criteria.flagged_only:
        qs = qs.filter(suspicious=True)
    return qs


def invalidate_signatures(
    actor, petition: Petition, criteria: InvalidationFilter, reason: str
) -> SignatureInvalidation:
    """Invalidate every signature matching the filter; counts stay right; audit-logged."""
    require(can_moderate(actor, petition))
    reason = _clean_text(reason, "reason", 500)
    if criteria.is_empty():
        raise ValidationError(_("Choisissez au moins un critère."))
    now = timezone.now()
    with transaction.atomic():
        invalidation = SignatureInvalidation.objects.create(
            petition=petition, actor=actor, criteria=criteria.as_data(), reason=reason
        )
        ids = list(filtered_signatures(petition, criteria).select_for_update().values_list("pk", flat=True))
        total = 0
        for start in range(0, len(ids), 5000):
            chunk = Signature.objects.filter(pk__in=ids[start : start + 5000], invalidated_at__isnull=True)
            _uncount(petition.pk, chunk)
            total += chunk.update(invalidated_at=now, invalidation=invalidation)
        invalidation.count = total
        invalidation.save(update_fields=["count"])
        record_event(
            "petition.invalidated",
            actor=actor,
            target=petition,
            data={"count": total, "criteria": criteria.as_data(), "invalidation": invalidation.pk},
        )
    invalidate_page_cache(petition.pk)
    return invalidation


def clear_flags(actor, petition: Petition, criteria: InvalidationFilter, reason: str) -> int:
    """Staff judged these flagged signatures genuine: they count again (audit-logged)."""
    require(can_moderate(actor, petition))
    reason = _clean_text(reason, "reason", 500)
    with transaction.atomic():
        ids = list(
            filtered_signatures(petition, replace(criteria, flagged_only=True))
            .select_for_update()
            .values_list("pk", flat=True)
        )
        total = counted = 0
        for start in range(0, len(ids), 5000):
            chunk = Signature.objects.filter(pk__in=ids[start : start + 5000], suspicious=True)
            counted += chunk.filter(confirmed_at__isnull=False, invalidated_at__isnull=True).update(
                suspicious=False, flags=[], counted=True
            )
            total += chunk.update(suspicious=False, flags=[])
        _shard_add(petition.pk, counted)
        record_event(
            "petition.flags_cleared",
            actor=actor,
            target=petition,
            data={"count": counted + total, "criteria": criteria.as_data(), "reason": reason},
        )
    invalidate_page_cache(petition.pk)
    return counted + total


# --- Retention ----------------------------------------------------------------------------


def anonymize_after_months() -> int:
    return int(getattr(settings, "PETITIONS_ANONYMIZE_AFTER_MONTHS", 6))


def anonymize_petition(petition_id: int) -> int:
    """Replace the signers' personal data by placeholders; counts and départements stay."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    with transaction.atomic():
        n = Signature.objects.filter(petition_id=petition_id).update(
            name="",
            email="",
            email_normalized=Concat(Value("anonyme-"), Cast("id", CharField()), Value("@invalid")),
            email_domain="",
            postcode="",
            ip=None,
            ip_range="",
            country="",
            user=None,
            show_name=False,
            notify_answer=False,
            confirm_token_hash="",
            withdraw_token_hash="",
        )
        Petition.objects.filter(pk=petition_id).update(anonymized_at=timezone.now())
    invalidate_page_cache(petition_id)
    return n


def anonymize_due(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    months = anonymize_after_months()
    limit = now - datetime.timedelta(days=round(months * 30.44))
    ids = list(Petition.objects.filter(closed_at__lt=limit, anonymized_at__isnull=True).values_list("pk", flat=True))
    for pk in ids:
        anonymize_petition(pk)
    return len(ids)


def departement_exists(code: str) -> bool:
    return Departement.objects.filter(pk=code).exists()


# --- Petition types (thresholds), in the institution's back-office ------------------------

PETITION_TYPE_FIELDS = ("name", "answer_threshold", "answer_days", "escalation_threshold")
ANSWER_DAYS_MAX = 3650  # fits PositiveSmallIntegerField; ten years is already no deadline


def can_edit_petition_types(user, institution: Institution) -> bool:
    """Thresholds are the institution's commitment: its admins (and platform admins) set them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_platform_admin(user) or Role.ADMIN in roles_in(user, institution)


def _positive_int(value: Any, field: str, label: str, maximum: int = 2_000_000_000) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() else None
    except ValueError:
        number = None
    if number is None:
        raise ValidationError({field: _("%(label)s : indiquez un nombre entier.") % {"label": label}})
    if number < 1:
        raise ValidationError({field: _("%(label)s : indiquez un nombre entier positif.") % {"label": label}})
    if number > maximum:
        raise ValidationError(
            {field: _("%(label)s : %(max)s au plus.") % {"label": label, "max": f"{maximum:,}".replace(",", "\u202f")}}
        )
    return number


def clean_petition_type(institution: Institution, data: dict[str, Any], instance: PetitionType | None = None) -> dict:
    """Checked values for a petition type; every problem at once, in words."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    name = data.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = [_("Donnez un nom à ce type de pétition.")]
    elif len(name) > PetitionType._meta.get_field("name").max_length:
        errors["name"] = [_("Le nom fait 120 caractères au plus.")]
    elif "\x00" in name:
        errors["name"] = [_("Le nom contient un caractère non autorisé.")]
    else:
        same = PetitionType.objects.filter(institution=institution, name__iexact=name)
        if instance is not None:
            same = same.exclude(pk=instance.pk)
        if same.exists():
            errors["name"] = [_("Cette institution a déjà un type de pétition de ce nom.")]
        cleaned["name"] = name
    for field, label, maximum in (
        ("answer_threshold", _("Seuil de réponse"), 2_000_000_000),
        ("answer_days", _("Délai de réponse"), ANSWER_DAYS_MAX),
        ("escalation_threshold", _("Seuil de saisine"), 2_000_000_000),
    ):
        try:
            cleaned[field] = _positive_int(data.get(field), field, label, maximum)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    both = "answer_threshold" in cleaned and "escalation_threshold" in cleaned
    if both and cleaned["escalation_threshold"] < cleaned["answer_threshold"]:
        errors["escalation_threshold"] = [
            _(
                "Le seuil de saisine (%(m)s) doit être au moins égal au seuil de réponse (%(n)s) : "
                "une pétition doit d'abord appeler une réponse."
            )
            % {"m": cleaned["escalation_threshold"], "n": cleaned["answer_threshold"]}
        ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_petition_type(actor, institution: Institution, **data: Any) -> PetitionType:
    require(can_edit_petition_types(actor, institution))
    cleaned = clean_petition_type(institution, data)
    try:
        with transaction.atomic():
            kind = PetitionType.objects.create(institution=institution, **cleaned)
            record_event(
                "petition.type_created",
                actor=actor,
                target=kind,
                data={"institution": institution.slug, **{f: cleaned[f] for f in PETITION_TYPE_FIELDS}},
            )
    except IntegrityError as exc:  # a concurrent twin with the same name
        raise ValidationError({"name": _("Cette institution a déjà un type de pétition de ce nom.")}) from exc
    return kind


def update_petition_type(actor, kind: PetitionType, **data: Any) -> PetitionType:
    """Change a type's thresholds. Petitions already past a threshold keep their answer date;
    open petitions that a lowered threshold puts past it reach it now (not at the next
    maintenance run), with the answer date counted from today."""
    require(can_edit_petition_types(actor, kind.institution))
    cleaned = clean_petition_type(kind.institution, data, instance=kind)
    try:
        with transaction.atomic():
            kind = PetitionType.objects.select_for_update().get(pk=kind.pk)
            before = {f: getattr(kind, f) for f in PETITION_TYPE_FIELDS}
            changed = {f: cleaned[f] for f in PETITION_TYPE_FIELDS if cleaned[f] != before[f]}
            if not changed:
                return kind
            for field, value in changed.items():
                setattr(kind, field, value)
            kind.save(update_fields=list(changed))
            record_event(
                "petition.type_changed",
                actor=actor,
                target=kind,
                data={
                    "institution": kind.institution.slug,
                    "changes": {f: [before[f], changed[f]] for f in changed},
                },
            )
    except IntegrityError as exc:
        raise ValidationError({"name": _("Cette institution a déjà un type de pétition de ce nom.")}) from exc
    if {"answer_threshold", "escalation_threshold"} & changed.keys():
        waiting = Petition.objects.filter(
            petition_type=kind, status__in=SIGNABLE_STATUSES, closed_at__isnull=True
        ).filter(Q(threshold_reached_at__isnull=True) | Q(escalation_reached_at__isnull=True))
        for petition_id in waiting.values_list("pk", flat=True):
            check_thresholds(petition_id)
            invalidate_page_cache(petition_id)
    return kind
