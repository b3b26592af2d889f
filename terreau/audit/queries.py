"""Reads for the audit log: head, counts, pages of events, targets, the page's check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.urls import reverse
from django.utils.text import capfirst

from terreau.audit.kinds import kind_label
from terreau.audit.models import GENESIS_HASH, AuditEvent
from terreau.audit.services import VerificationResult, format_timestamp, verify_chain

PAGE_SIZE = 50
EXPORT_MAX = 500
PAGE_VERIFY_WINDOW = 1000
CACHE_SECONDS = 300
KINDS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Head:
    sequence: int
    hash: str
    created_at: Any  # datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "hash": self.hash,
            "created_at": format_timestamp(self.created_at) if self.created_at else None,
        }


def current_head() -> Head:
    """The last event (sequence 0 and the genesis hash while the log is empty)."""
    last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash", "created_at").first()
    if last is None:
        return Head(0, GENESIS_HASH, None)
    return Head(last["sequence"], last["hash"], last["created_at"])


def counts_by_kind() -> list[dict[str, Any]]:
    """Events per kind, most frequent first (a full scan: cached for a minute)."""
    key = "audit:kinds"
    rows = cache.get(key)
    if rows is None:
        rows = list(AuditEvent.objects.order_by().values("kind").annotate(n=Count("id")).order_by("-n", "kind"))
        cache.set(key, rows, KINDS_CACHE_SECONDS)
    return [{**row, "label": kind_label(row["kind"])} for row in rows]


def page_verification(head: Head) -> VerificationResult:
    """The check shown on the public page: the last PAGE_VERIFY_WINDOW events, cached per head.

    The whole chain is checked by `manage.py verify_audit` (or by anyone with events.json);
    checking millions of events at every page view would cost too much.
    """
    key = f"audit:verify:{head.hash}"
    result = cache.get(key)
    if result is None:
        start = max(1, head.sequence - PAGE_VERIFY_WINDOW + 1)
        result = verify_chain(start_sequence=start)
        cache.set(key, result, CACHE_SECONDS)
    return result


def events_page(head: Head, number) -> tuple[Page, list[AuditEvent]]:
    """The latest events, newest first, PAGE_SIZE per page.

    Sequence numbers are gapless, so a page is a range of sequence numbers: no COUNT(*)
    and no OFFSET, whatever the size of the table.
    """
    page = Paginator(range(head.sequence, 0, -1), PAGE_SIZE).get_page(number)
    numbers = page.object_list
    if not numbers:
        return page, []
    events = list(AuditEvent.objects.filter(sequence__lte=numbers[0], sequence__gte=numbers[-1]).order_by("-sequence"))
    attach_targets(events)
    return page, events


def events_after(after: int, limit: int = EXPORT_MAX) -> list[dict[str, Any]]:
    """Events with sequence > after, oldest first, with every hashed field (for events.json)."""
    rows = AuditEvent.objects.filter(sequence__gt=after).order_by("sequence")[: max(1, min(limit, EXPORT_MAX))]
    return [
        {
            "sequence": e.sequence,
            "created_at": format_timestamp(e.created_at),
            "kind": e.kind,
            "actor": e.actor,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "data": e.data,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in rows
    ]


def events_for(target) -> list[AuditEvent]:
    """Every event about one object, oldest first."""
    return list(AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)))


# --- Targets: a label and, when the object is public, a link ---------------------------

TargetResolver = Callable[[list[str]], dict[str, tuple[str, str | None]]]
TARGET_RESOLVERS: dict[str, TargetResolver] = {}


def register_target_resolver(target_type: str, resolver: TargetResolver) -> None:
    """Let a module show its objects on the audit page.

    resolver(ids) returns {id: (label, url or None)} for the ids it may show publicly;
    it must leave out anything not public (a draft, a hidden item).
    """
    TARGET_RESOLVERS[target_type] = resolver


def _public_processes(ids: list[str]) -> dict[str, tuple[str, str | None]]:
    from terreau.processes.models import Process

    pks = [int(i) for i in ids if i.isdigit()]
    found = Process.objects.filter(pk__in=pks).exclude(status=Process.Status.DRAFT).values("pk", "title", "slug")
    return {str(p["pk"]): (p["title"], reverse("processes:detail", args=[p["slug"]])) for p in found}


register_target_resolver("processes.process", _public_processes)


def target_type_label(target_type: str) -> str:
    try:
        return capfirst(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def attach_targets(events: Iterable[AuditEvent]) -> None:
    """Set event.target_label and event.target_url (None unless the target is public)."""
    events = list(events)
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.target_type:
            wanted.setdefault(event.target_type, set()).add(event.target_id)
    resolved: dict[tuple[str, str], tuple[str, str | None]] = {}
    for target_type, ids in wanted.items():
        resolver = TARGET_RESOLVERS.get(target_type)
        if resolver:
            for target_id, value in resolver(sorted(ids)).items():
                resolved[(target_type, target_id)] = value
    for event in events:
        event.kind_label = kind_label(event.kind)
        event.target_label, event.target_url = None, None
        if event.target_type:
            label, url = resolved.get((event.target_type, event.target_id), (None, None))
            event.target_type_label = target_type_label(event.target_type)
            event.target_label, event.target_url = label, url
