"""The audit log's write API and its verification.

Other apps call record_event(); nothing else writes events. verify_chain() recomputes the
chain; the `verify_audit` command and the public page both use it.

Hash of an event (docs/audit.md gives the same formula for outside verifiers):

    hash = sha256_hex(utf8(prev_hash + canonical_json(payload)))
    payload = {"sequence", "created_at", "kind", "actor", "target_type", "target_id", "data"}
    canonical_json = json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    created_at = ISO 8601 in UTC with microseconds, e.g. "2026-05-01T08:30:00.000000+00:00"
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise

from terreau.audit.models import GENESIS_HASH, AuditEvent, ChainLock

KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
KIND_MAX_LENGTH = 100
PSEUDONYM_SALT = "terreau.audit.actor-pseudonym"
PSEUDONYM_HEX_CHARS = 20
CHUNK_SIZE = 2000
TRIGGER_NAMES = ("audit_auditevent_append_only", "audit_auditevent_no_update")

# --- Canonical form ------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_data(value: Any, _path: str = "data") -> Any:
    """A plain JSON value (dict with str keys, list, str, int, bool, None) from `value`.

    Decimals, dates, datetimes, UUIDs and lazy translations become strings. Floats are
    refused: their JSON form is not stable across databases (PostgreSQL's jsonb rewrites
    1e20 as 100000000000000000000), so the stored event could no longer match its hash.
    NUL characters and lone surrogates are refused (jsonb and UTF-8 cannot hold them).
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{_path}: NUL characters are not allowed in audit data")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"{_path}: text that is not valid Unicode") from exc
        return value
    if isinstance(value, float):
        raise TypeError(f"{_path}: floats are not allowed in audit data; pass an int or a string")
    if isinstance(value, decimal.Decimal | uuid.UUID | Promise):
        return canonical_data(str(value), _path)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{_path}: keys must be strings, not {type(key).__name__}")
            out[canonical_data(key, _path)] = canonical_data(item, f"{_path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [canonical_data(item, f"{_path}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{_path}: {type(value).__name__} is not allowed in audit data")


def format_timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def event_payload(
    *,
    sequence: int,
    created_at: datetime.datetime,
    kind: str,
    actor: str | None,
    target_type: str | None,
    target_id: str | None,
    data: Any,
) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "created_at": format_timestamp(created_at),
        "kind": kind,
        "actor": actor,
        "target_type": target_type,
        "target_id": target_id,
        "data": data,
    }


def compute_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(payload)).encode("utf-8")).hexdigest()


def hash_of_row(row: dict[str, Any]) -> str:
    """Recompute the hash of a stored event (a dict with the model's field names)."""
    payload = event_payload(
        sequence=row["sequence"],
        created_at=row["created_at"],
        kind=row["kind"],
        actor=row["actor"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        data=row["data"],
    )
    return compute_hash(row["prev_hash"], payload)


# --- Pseudonyms and targets ------------------------------------------------------------


def actor_pseudonym(user) -> str | None:
    """A stable pseudonym for a user: "u:" + HMAC-SHA256(key derived from SECRET_KEY, pk).

    The same user always gets the same pseudonym (while SECRET_KEY stays the same); the
    pseudonym reveals neither the pk nor the email. None for the system or an anonymous user.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.pk is None:
        raise ValueError("the actor must be a saved user")
    digest = salted_hmac(PSEUDONYM_SALT, str(user.pk), algorithm="sha256").hexdigest()
    return "u:" + digest[:PSEUDONYM_HEX_CHARS]


def target_reference(target) -> tuple[str | None, str | None]:
    if target is None:
        return None, None
    if getattr(target, "pk", None) is None:
        raise ValueError("the target must be a saved model instance")
    return target._meta.label_lower, str(target.pk)


# --- Writing ---------------------------------------------------------------------------


def _lock_chain() -> None:
    """Lock the chain (until the transaction ends), creating the lock row on first use."""
    if not list(ChainLock.objects.select_for_update().filter(pk=1).values_list("pk", flat=True)):
        # Concurrent first writers: one insert wins, the others do nothing, then wait for
        # the winner's lock below.
        ChainLock.objects.bulk_create([ChainLock(pk=1)], ignore_conflicts=True)
        list(ChainLock.objects.select_for_update().filter(pk=1).values_list("pk", flat=True))


def record_event(kind: str, *, actor=None, target=None, data: dict[str, Any] | None = None):
    """Append an event to the hash-chained log (inside the caller's transaction).

    kind: a dotted name ("answer.published", "moderation.hidden", "vote.cast"...)
    actor: the user who acted (stored pseudonymously), or None for the system
    target: the model instance concerned, or None
    data: JSON-serialisable details, without personal data

    Appending locks the chain until the caller's transaction ends, so call it as the
    last write of the transaction. If the transaction rolls back, so does the event.
    """
    if not isinstance(kind, str) or len(kind) > KIND_MAX_LENGTH or not KIND_RE.match(kind):
        raise ValueError(f"invalid audit event kind {kind!r}: use a dotted lowercase name like 'answer.published'")
    if data is not None and not isinstance(data, dict):
        raise TypeError("audit data must be a dict")
    clean = canonical_data(data or {})
    canonical_json(clean)  # fails now rather than at hashing time
    actor_ref = actor_pseudonym(actor)
    target_type, target_id = target_reference(target)
    if target_id is not None and len(target_id) > AuditEvent._meta.get_field("target_id").max_length:
        raise ValueError("target primary key too long for the audit log")
    with transaction.atomic():
        _lock_chain()
        # A new statement, so on PostgreSQL (READ COMMITTED) it sees the event committed by
        # the writer that held the lock before us.
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
        event = AuditEvent(
            sequence=last["sequence"] + 1 if last else 1,
            created_at=timezone.now(),
            kind=kind,
            actor=actor_ref,
            target_type=target_type,
            target_id=target_id,
            data=clean,
            prev_hash=last["hash"] if last else GENESIS_HASH,
        )
        event.hash = compute_hash(event.prev_hash, event_payload(**_payload_fields(event)))
        event._appending = True
        event.save()
        del event._appending
    return event


def _payload_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "created_at": event.created_at,
        "kind": event.kind,
        "actor": event.actor,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
    }


# --- Verification ----------------------------------------------------------------------


class BreakReason(StrEnum):
    HASH_MISMATCH = "hash mismatch"
    PREV_HASH_MISMATCH = "prev_hash mismatch"
    SEQUENCE_GAP = "gap in sequence"


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: BreakReason
    detail: str

    def __str__(self) -> str:
        return f"event {self.sequence}: {self.reason.value} ({self.detail})"


@dataclass
class VerificationResult:
    """What verify_chain found. `count` events were checked, from `first_sequence`."""

    count: int = 0
    first_sequence: int = 1
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    head_created_at: datetime.datetime | None = None
    broken: ChainBreak | None = None
    expected_head: str | None = None
    expected_head_sequence: int | None = None
    checked_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def ok(self) -> bool:
        """The chain is intact (and holds the expected head, when one was given)."""
        return self.broken is None and (self.expected_head is None or self.expected_head_found)

    @property
    def intact(self) -> bool:
        return self.broken is None

    @property
    def expected_head_found(self) -> bool:
        return self.expected_head_sequence is not None

    @property
    def partial(self) -> bool:
        """Only the end of the chain was checked (from first_sequence > 1)."""
        return self.first_sequence > 1


ROW_FIELDS = ("sequence", "created_at", "kind", "actor", "target_type", "target_id", "data", "prev_hash", "hash")


def verify_chain(
    *, start_sequence: int | None = None, expected_head: str | None = None, chunk_size: int = CHUNK_SIZE
) -> VerificationResult:
    """Recompute the chain in order and stop at the first broken event.

    start_sequence: check only from this event on, trusting its prev_hash (a quick check
        of the end of a long chain); None checks from the genesis.
    expected_head: a hash published earlier; the result says at which event it was found.

    Reads in chunks by sequence (keyset pagination), so memory stays flat on large tables;
    events appended while the check runs are checked too.
    """
    expected_head = expected_head.strip().lower() if expected_head else None
    result = VerificationResult(expected_head=expected_head)
    prev_hash: str | None = GENESIS_HASH
    expected_seq = 1
    if start_sequence is not None and start_sequence > 1:
        result.first_sequence = expected_seq = start_sequence
        prev_hash = None  # trusted from the first row read
    qs = AuditEvent.objects.order_by("sequence").values(*ROW_FIELDS)
    while True:
        rows = list(qs.filter(sequence__gte=expected_seq)[:chunk_size])
        if not rows:
            break
        for row in rows:
            seq = row["sequence"]
            if seq != expected_seq:
                result.broken = ChainBreak(
                    expected_seq, BreakReason.SEQUENCE_GAP, f"expected event {expected_seq}, found {seq}"
                )
                return result
            if prev_hash is not None and row["prev_hash"] != prev_hash:
                result.broken = ChainBreak(
                    seq,
                    BreakReason.PREV_HASH_MISMATCH,
                    f"prev_hash {row['prev_hash']} is not the hash of the previous event {prev_hash}",
                )
                return result
            recomputed = hash_of_row(row)
            if recomputed != row["hash"]:
                result.broken = ChainBreak(
                    seq, BreakReason.HASH_MISMATCH, f"stored {row['hash']}, recomputed {recomputed}"
                )
                return result
            if expected_head is not None and row["hash"] == expected_head:
                result.expected_head_sequence = seq
            prev_hash = row["hash"]
            expected_seq = seq + 1
            result.count += 1
            result.head_sequence, result.head_hash, result.head_created_at = seq, row["hash"], row["created_at"]
        if len(rows) < chunk_size:
            break
    return result


def append_only_guard_installed() -> bool:
    """Whether the database trigger refusing UPDATE (and DELETE on PostgreSQL) is in place."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgenabled <> 'D' AND tgrelid = %s::regclass",
                [TRIGGER_NAMES[0], AuditEvent._meta.db_table],
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER_NAMES[1]]
            )
        else:
            return False
        return cursor.fetchone()[0] > 0
