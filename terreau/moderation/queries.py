"""Reads for moderation: blocks, the queue, hidden items, the public log."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from terreau.moderation.models import Block, Decision, DecisionAction, Reason, Report, ReportStatus
from terreau.moderation.registry import Reportable, all_reportables, get_reportable
from terreau.processes.models import Institution

LOG_RECENT_DAYS = 30


def is_blocked(user, institution: Institution | int) -> bool:
    """May `user` no longer contribute to this institution's processes?"""
    if not getattr(user, "is_authenticated", False):
        return False
    institution_id = institution if isinstance(institution, int) else institution.pk
    return Block.objects.filter(user=user, institution_id=institution_id, lifted_at__isnull=True).exists()


def active_blocks(institution: Institution) -> QuerySet[Block]:
    return (
        Block.objects.filter(institution=institution, lifted_at__isnull=True)
        .select_related("user", "created_by")
        .order_by("-created_at", "-id")
    )


@dataclass
class QueueItem:
    """One reported object with its open reports, for the moderation queue."""

    obj: Any
    reportable: Reportable
    total: int
    counts: list[tuple[str, Any, int]]  # (reason, label, count), non-zero only
    last_reported: datetime.datetime | None
    reports: list[Report] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.reportable.key

    @property
    def app_label(self) -> str:
        return self.reportable.model._meta.app_label

    @property
    def model_name(self) -> str:
        return self.reportable.model._meta.model_name

    @property
    def url(self) -> str:
        return self.reportable.get_url(self.obj)

    @property
    def author(self) -> Any:
        return self.reportable.get_author(self.obj)

    @property
    def excerpt(self) -> str:
        return self.reportable.excerpt(self.obj)

    @property
    def process(self) -> Any:
        return self.reportable.get_process(self.obj)

    @property
    def place(self) -> str:
        return self.reportable.get_place(self.obj)

    @property
    def details(self) -> list[Report]:
        return [r for r in self.reports if r.details]

    @property
    def dom_id(self) -> str:
        return f"{self.reportable.key.replace('.', '-')}-{self.obj.pk}"


def _load_objects(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[Any, Reportable]]:
    """Objects for (content_type_id, object_id) pairs: one query per model."""
    by_type: dict[int, list[int]] = defaultdict(list)
    for ct_id, obj_id in pairs:
        by_type[ct_id].append(obj_id)
    loaded = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        reportable = get_reportable(model) if model else None
        if reportable is None:
            continue
        qs = model._default_manager.filter(pk__in=ids)
        if hasattr(model, "author"):
            qs = qs.select_related("author")
        names = {f.name for f in model._meta.get_fields()}
        if "process" in names:
            qs = qs.select_related("process__institution")
        for obj in qs:
            loaded[(ct_id, obj.pk)] = (obj, reportable)
    return loaded


def open_report_groups(institution: Institution) -> QuerySet:
    """One row per reported object with open reports: counts per reason, newest first."""
    per_reason = {f"n_{reason}": Count("id", filter=Q(reason=reason)) for reason in Reason.values}
    return (
        Report.objects.filter(institution=institution, status=ReportStatus.OPEN)
        .values("content_type_id", "object_id")
        .annotate(total=Count("id"), last=Max("created_at"), **per_reason)
        .order_by("-total", "-last", "-object_id")
    )


def queue_items(rows: list[dict]) -> list[QueueItem]:
    """Build queue items for a page of `open_report_groups()` rows (a few queries, no N+1)."""
    pairs = [(row["content_type_id"], row["object_id"]) for row in rows]
    loaded = _load_objects(pairs)
    reports: dict[tuple[int, int], list[Report]] = defaultdict(list)
    if pairs:
        cond = Q()
        for ct_id, obj_id in pairs:
            cond |= Q(content_type_id=ct_id, object_id=obj_id)
        for report in Report.objects.filter(cond, status=ReportStatus.OPEN).order_by("created_at", "id"):
            reports[(report.content_type_id, report.object_id)].append(report)
    labels = dict(Reason.choices)
    items = []
    for row in rows:
        pair = (row["content_type_id"], row["object_id"])
        if pair not in loaded:
            continue
        obj, reportable = loaded[pair]
        counts = [(r, labels[r], row[f"n_{r}"]) for r in Reason.values if row[f"n_{r}"]]
        items.append(QueueItem(obj, reportable, row["total"], counts, row["last"], reports[pair]))
    return items


def item_reports(obj: Any, status: str | None = ReportStatus.OPEN) -> list[Report]:
    ct = ContentType.objects.get_for_model(obj)
    qs = Report.objects.filter(content_type=ct, object_id=obj.pk)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("created_at", "id"))


def item_for(obj: Any, reportable: Reportable) -> QueueItem:
    reports = item_reports(obj)
    tally: dict[str, int] = defaultdict(int)
    for report in reports:
        tally[report.reason] += 1
    labels = dict(Reason.choices)
    counts = [(r, labels[r], tally[r]) for r in Reason.values if tally[r]]
    last = max((r.created_at for r in reports), default=None)
    return QueueItem(obj, reportable, len(reports), counts, last, reports)


def hidden_items(institution: Institution, limit: int = 100) -> list[QueueItem]:
    """Objects hidden in this institution's processes, most recently hidden first."""
    items = []
    for reportable in all_reportables():
        qs = reportable.for_institution(reportable.model._default_manager.filter(status="hidden"), institution)
        if hasattr(reportable.model, "author"):
            qs = qs.select_related("author")
        for obj in qs.order_by("-hidden_at")[:limit]:
            items.append(QueueItem(obj, reportable, 0, [], None))
    items.sort(key=lambda item: item.obj.hidden_at, reverse=True)
    return items[:limit]


def open_report_count(institution: Institution) -> int:
    return open_report_groups(institution).count()


# --- The public moderation log --------------------------------------------------------------


def public_decisions(institution: Institution | None = None) -> QuerySet:
    """Decisions as the public sees them: date, institution, action, reason, kind of item.

    Values only: no object id, no person, no note can reach the template."""
    qs = Decision.objects.all()
    if institution is not None:
        qs = qs.filter(institution=institution)
    return qs.order_by("-created_at", "-id").values(
        "created_at", "institution__name", "institution__slug", "action", "reason", "content_type_id"
    )


@dataclass
class InstitutionCounts:
    name: str
    slug: str
    rows: list[tuple[str, Any, int, int]]  # (reason, label, last 30 days, all time) for hidden items
    hidden_recent: int
    hidden_total: int
    other: dict[str, tuple[int, int]]  # action -> (last 30 days, all time) for the other actions

    @property
    def other_rows(self) -> list[tuple[Any, int, int]]:
        labels = dict(DecisionAction.choices)
        return [(labels[a], *self.other[a]) for a in DecisionAction.values if a in self.other]


def log_counts(now: datetime.datetime | None = None) -> list[InstitutionCounts]:
    """Per institution: hidden items per reason, and the other decisions, recent and all time."""
    since = (now or timezone.now()) - datetime.timedelta(days=LOG_RECENT_DAYS)
    rows = (
        Decision.objects.values("institution_id", "institution__name", "institution__slug", "action", "reason")
        .annotate(total=Count("id"), recent=Count("id", filter=Q(created_at__gte=since)))
        .order_by("institution__name", "institution_id")
    )
    labels = dict(Reason.choices)
    result: dict[int, InstitutionCounts] = {}
    hidden: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        inst = result.setdefault(
            row["institution_id"],
            InstitutionCounts(row["institution__name"], row["institution__slug"], [], 0, 0, {}),
        )
        if row["action"] == DecisionAction.HIDDEN:
            hidden[row["institution_id"]][row["reason"]] = (row["recent"], row["total"])
            inst.hidden_recent += row["recent"]
            inst.hidden_total += row["total"]
        else:
            recent, total = inst.other.get(row["action"], (0, 0))
            inst.other[row["action"]] = (recent + row["recent"], total + row["total"])
    for inst_id, inst in result.items():
        inst.rows = [
            (reason, labels[reason], *hidden[inst_id].get(reason, (0, 0)))
            for reason in Reason.values
            if reason in hidden[inst_id]
        ]
    return list(result.values())
