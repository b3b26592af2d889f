"""Reads for processes, institutions and the answer tracker."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from terreau.processes.models import Institution, InstitutionAnswer, Membership, Phase, Process

MAX_QUERY_LENGTH = 100


def public_processes() -> QuerySet[Process]:
    return (
        Process.objects.exclude(status=Process.Status.DRAFT)
        .select_related("institution", "scope_region", "scope_departement__region", "scope_commune", "contract")
        .prefetch_related("phases")
    )


def search_processes(
    q: str = "", institution: Institution | None = None, status: str = "", level: str = ""
) -> QuerySet[Process]:
    qs = public_processes()
    q = (q or "").strip()[:MAX_QUERY_LENGTH]
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(summary__icontains=q)
            | Q(institution__name__icontains=q)
            | Q(scope_commune__name__icontains=q)
            | Q(scope_departement__name__icontains=q)
            | Q(scope_region__name__icontains=q)
        )
    if institution is not None:
        qs = qs.filter(institution=institution)
    if status == "open":
        qs = qs.filter(status=Process.Status.PUBLISHED).filter(Exists(_current_phase_subquery()))
    elif status == "archived":
        qs = qs.filter(status=Process.Status.ARCHIVED)
    if level in {"national", "region", "departement", "commune"}:
        qs = qs.filter(scope_level=level)
    return qs


def _current_phase_subquery():
    today = timezone.localdate()
    return Phase.objects.filter(process=OuterRef("pk"), start_date__lte=today, end_date__gte=today)


def open_processes(limit: int = 6) -> list[Process]:
    return list(
        public_processes().filter(status=Process.Status.PUBLISHED).filter(Exists(_current_phase_subquery()))[:limit]
    )


def process_for_page(slug: str) -> Process | None:
    return (
        Process.objects.select_related(
            "institution", "scope_region", "scope_departement", "scope_commune", "contract", "answer"
        )
        .prefetch_related("phases", "modules")
        .filter(slug=slug)
        .first()
    )


@dataclass(frozen=True)
class AnswerStatus:
    process: Process
    due: datetime.date
    answered_on: datetime.date | None
    days: int  # days left (due), days late (late or answered late), 0 when on time

    @property
    def state(self) -> str:
        if self.answered_on is None:
            return "late" if self.days < 0 else "due"
        return "answered_late" if self.days > 0 else "answered_on_time"

    @property
    def days_late(self) -> int:
        return -self.days if self.answered_on is None else self.days

    # The same interface as TrackedAnswer, for the tracker's templates.
    @property
    def title(self) -> str:
        return self.process.title

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse("processes:detail", args=[self.process.slug])

    @property
    def institution(self) -> Institution:
        return self.process.institution


# --- Answers due contributed by feature apps (petitions...) -----------------------------
#
# The tracker also shows answers that are not tied to a process's contract. A feature app
# registers a provider from its AppConfig.ready():
#
#     from terreau.processes.queries import register_answer_provider
#     register_answer_provider(my_queries.tracked_answers)
#
# A provider takes `today` and returns TrackedAnswer objects: every answer it tracks, due,
# late or published. Shared apps never import the feature app.


@dataclass(frozen=True)
class TrackedAnswer:
    title: str
    url: str
    institution: Institution
    kind: str  # what is answered, e.g. "petition"
    due: datetime.date
    answered_on: datetime.date | None
    days: int  # as AnswerStatus.days

    state = AnswerStatus.state
    days_late = AnswerStatus.days_late


ANSWER_PROVIDERS: list = []


def register_answer_provider(provider) -> None:
    if provider not in ANSWER_PROVIDERS:
        ANSWER_PROVIDERS.append(provider)


def contributed_answers(today: datetime.date | None = None) -> list[TrackedAnswer]:
    today = today or timezone.localdate()
    return [item for provider in ANSWER_PROVIDERS for item in provider(today)]


def answer_tracker(today: datetime.date | None = None, published_limit: int = 20):
    """(late, due, published) for the tracker page and the home page: processes and the
    answers contributed by feature apps, merged and ordered like answers_pending()."""
    today = today or timezone.localdate()
    late, due = answers_pending(today)
    published = answers_published(published_limit)
    extra = contributed_answers(today)
    late = sorted([*late, *(a for a in extra if a.state == "late")], key=lambda a: a.due)
    due = sorted([*due, *(a for a in extra if a.state == "due")], key=lambda a: a.due)
    done = [a for a in extra if a.answered_on is not None]
    published = sorted([*published, *done], key=lambda a: a.answered_on, reverse=True)[:published_limit]
    return late, due, published


def answer_status(process: Process, today: datetime.date | None = None) -> AnswerStatus | None:
    contract = getattr(process, "contract", None)
    if contract is None:
        return None
    answer = getattr(process, "answer", None)
    if answer is not None:
        answered_on = timezone.localdate(answer.published_at)
        return AnswerStatus(process, contract.answer_due, answered_on, max(0, (answered_on - contract.answer_due).days))
    today = today or timezone.localdate()
    return AnswerStatus(process, contract.answer_due, None, (contract.answer_due - today).days)


def _tracked() -> QuerySet[Process]:
    return (
        Process.objects.exclude(status=Process.Status.DRAFT)
        .filter(contract__isnull=False)
        .select_related("institution", "contract")
    )


def answers_pending(today: datetime.date | None = None) -> tuple[list[AnswerStatus], list[AnswerStatus]]:
    """(late, due): processes whose answer is not published, most late first, soonest due first."""
    today = today or timezone.localdate()
    pending = _tracked().filter(answer__isnull=True)
    late = [
        AnswerStatus(p, p.contract.answer_due, None, (p.contract.answer_due - today).days)
        for p in pending.filter(contract__answer_due__lt=today).order_by("contract__answer_due", "pk")
    ]
    due = [
        AnswerStatus(p, p.contract.answer_due, None, (p.contract.answer_due - today).days)
        for p in pending.filter(contract__answer_due__gte=today).order_by("contract__answer_due", "pk")
    ]
    return late, due


def answers_published(limit: int = 20) -> list[AnswerStatus]:
    qs = _tracked().filter(answer__isnull=False).select_related("answer").order_by("-answer__published_at")[:limit]
    result = []
    for p in qs:
        answered_on = timezone.localdate(p.answer.published_at)
        result.append(
            AnswerStatus(p, p.contract.answer_due, answered_on, max(0, (answered_on - p.contract.answer_due).days))
        )
    return result


def answer_record() -> dict[str, int]:
    """Platform-wide counts: answered on time, answered late, late and still unanswered."""
    today = timezone.localdate()
    tracked = _tracked()
    answered = [
        (timezone.localdate(a.published_at) <= a.process.contract.answer_due)
        for a in InstitutionAnswer.objects.filter(process__in=tracked).select_related("process__contract")
    ]
    record = {
        "on_time": sum(answered),
        "answered_late": len(answered) - sum(answered),
        "late": tracked.filter(answer__isnull=True, contract__answer_due__lt=today).count(),
        "due": tracked.filter(answer__isnull=True, contract__answer_due__gte=today).count(),
    }
    for item in contributed_answers(today):
        key = {"answered_on_time": "on_time"}.get(item.state, item.state)
        record[key] += 1
    return record


def institutions_with_counts() -> QuerySet[Institution]:
    from django.db.models import Count

    return Institution.objects.annotate(
        process_count=Count("processes", filter=~Q(processes__status=Process.Status.DRAFT))
    ).order_by("name")


def institutions_of(user) -> QuerySet[Institution]:
    if user.is_superuser:
        return Institution.objects.all()
    return Institution.objects.filter(memberships__user=user).distinct()


def backoffice_processes(institution: Institution) -> QuerySet[Process]:
    return (
        institution.processes.select_related("contract")
        .prefetch_related(Prefetch("phases"), "modules")
        .order_by("-created_at")
    )


def members_of(institution: Institution) -> QuerySet[Membership]:
    return institution.memberships.select_related("user").order_by("user__display_name", "role")
