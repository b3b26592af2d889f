"""API router of the processes app: institutions, processes, phases, contracts, answers.

Read-only and public: drafts are never exposed (404, the same as an unknown slug).
Mounted by terreau/api/api.py; see docs/api.md.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from terreau.api.pagination import paginate
from terreau.api.schemas import (
    ERRORS,
    LIST_ERRORS,
    SLUG_PATTERN,
    InstitutionRef,
    PageOut,
    PageParams,
    SearchText,
    TerritoryRef,
)
from terreau.core.markdown import render_markdown
from terreau.processes import queries
from terreau.processes.models import Institution, InstitutionKind, Phase, PhaseKind, Process

router = Router()

AnswerState = Literal["due", "late", "answered_on_time", "answered_late"]
SlugPath = Path(..., max_length=90, pattern=SLUG_PATTERN, example="zfe-prochaine-etape")
InstitutionSlugPath = Path(..., max_length=80, pattern=SLUG_PATTERN, example="metropole-de-lyon")


# --- Schemas ------------------------------------------------------------------------------
class InstitutionOut(Schema):
    slug: str = Field(..., examples=["metropole-de-lyon"])
    name: str = Field(..., examples=["Métropole de Lyon"])
    kind: Literal[tuple(InstitutionKind.values)] = Field(..., examples=["intercommunality"])  # type: ignore[valid-type]
    kind_label: str = Field(..., examples=["Intercommunalité"])
    description: str
    website: str
    territory: TerritoryRef | None = Field(None, description="The institution's own territory, if set.")
    process_count: int = Field(..., description="Public (published or archived) processes.", examples=[3])
    url: str = Field(..., description="The institution's page on the site.")


class InstitutionPage(PageOut):
    results: list[InstitutionOut]


class AnswerStatusOut(Schema):
    state: AnswerState = Field(..., examples=["due"])
    due: datetime.date = Field(..., description="Date by which the institution committed to answer.")
    answered_on: datetime.date | None = Field(None, description="Date the answer was published, if any.")
    days_left: int | None = Field(None, description="Days until the due date (state due only).", examples=[12])
    days_late: int = Field(..., description="Days past the due date (late, answered_late), else 0.", examples=[0])


class PhaseOut(Schema):
    kind: Literal[tuple(PhaseKind.values)] = Field(..., examples=["contribution"])  # type: ignore[valid-type]
    kind_label: str = Field(..., examples=["Contribution"])
    title: str = Field(..., examples=["Vos propositions"])
    description: str
    start_date: datetime.date
    end_date: datetime.date
    state: Literal["upcoming", "current", "past"] = Field(..., examples=["current"])


class ContractOut(Schema):
    objective: str = Field(..., description="Objective of the process.")
    decision_maker: str = Field(..., description="Who decides.")
    open_to_change: str = Field(..., description="What contributions can change.")
    not_open: str = Field(..., description="What is not open to discussion.")
    use_of_contributions: str = Field(..., description="How contributions will be used.")
    answer_due: datetime.date = Field(..., description="Date by which the institution answers.")
    updated_at: datetime.datetime


class ProcessOut(Schema):
    slug: str = Field(..., examples=["zfe-prochaine-etape"])
    title: str = Field(..., examples=["Zone à faibles émissions : la prochaine étape"])
    summary: str
    status: Literal["published", "archived"] = Field(..., examples=["published"])
    is_open: bool = Field(..., description="Published and in one of its phases today.")
    institution: InstitutionRef
    scope_level: Literal["national", "region", "departement", "commune"] = Field(..., examples=["departement"])
    scope: TerritoryRef | None = Field(None, description="The territory concerned; null when national.")
    published_at: datetime.datetime
    current_phase: PhaseOut | None = None
    answer_status: AnswerStatusOut | None = None
    url: str = Field(..., description="The process page on the site.")


class ProcessPage(PageOut):
    results: list[ProcessOut]


class AnswerOut(Schema):
    published_at: datetime.datetime
    body: str = Field(..., description="The answer, Markdown source.")
    body_html: str = Field(..., description="The answer rendered to sanitized HTML.")


class ModuleOut(Schema):
    module: str = Field(..., examples=["page"])
    title: str = Field(..., examples=["Le dossier"])


class ProcessDetailOut(ProcessOut):
    body: str = Field(..., description="Detailed presentation, Markdown source.")
    body_html: str = Field(..., description="Detailed presentation rendered to sanitized HTML.")
    image_url: str | None = None
    image_alt: str
    phases: list[PhaseOut]
    contract: ContractOut | None = None
    answer: AnswerOut | None = None
    modules: list[ModuleOut]


class ProcessRef(Schema):
    slug: str = Field(..., examples=["zfe-prochaine-etape"])
    title: str = Field(..., examples=["Zone à faibles émissions : la prochaine étape"])
    url: str


class AnswerItemOut(AnswerStatusOut):
    process: ProcessRef
    institution: InstitutionRef


class AnswerPage(PageOut):
    results: list[AnswerItemOut]


class AnswerSummaryOut(Schema):
    on_time: int = Field(..., description="Answers published by their due date.", examples=[4])
    answered_late: int = Field(..., description="Answers published after their due date.", examples=[1])
    late: int = Field(..., description="Answers not published and past due.", examples=[1])
    due: int = Field(..., description="Answers not published and not yet due.", examples=[3])


# --- Filters ------------------------------------------------------------------------------
class InstitutionFilters(Schema):
    q: SearchText | None = Field(None, description="Text searched in the name.")
    kind: Literal[tuple(InstitutionKind.values)] | None = None  # type: ignore[valid-type]


PROCESS_ORDERS = {
    "recent": ("-published_at", "-pk"),
    "oldest": ("published_at", "pk"),
    "title": ("title", "pk"),
}


class ProcessFilters(Schema):
    q: SearchText | None = Field(None, description="Text searched in title, summary, institution and territory.")
    institution: str | None = Field(None, max_length=80, pattern=SLUG_PATTERN, description="Institution slug.")
    status: Literal["open", "published", "archived"] | None = Field(
        None, description="open: published and in a phase today; published: all published; archived."
    )
    scope_level: Literal["national", "region", "departement", "commune"] | None = None
    order: Literal["recent", "oldest", "title"] = Field("recent", description="Sort order.")


class AnswerFilters(Schema):
    state: Literal["pending", "late", "due", "answered"] | None = Field(
        None, description="pending = late + due. Default: all, late first, then due, then answered."
    )
    institution: str | None = Field(None, max_length=80, pattern=SLUG_PATTERN, description="Institution slug.")


# --- Serialisation ------------------------------------------------------------------------
def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url)


def territory_ref(territory: Any) -> dict[str, str] | None:
    if territory is None:
        return None
    level = {"Region": "region", "Departement": "departement", "Commune": "commune"}[type(territory).__name__]
    return {"level": level, "code": territory.code, "name": territory.name}


def institution_ref(institution: Institution) -> dict[str, str]:
    return {"slug": institution.slug, "name": institution.name}


def answer_status_out(process: Process, today: datetime.date) -> dict[str, Any] | None:
    status = queries.answer_status(process, today)
    if status is None:
        return None
    state = status.state
    return {
        "state": state,
        "due": status.due,
        "answered_on": status.answered_on,
        "days_left": status.days if state == "due" else None,
        "days_late": status.days_late if state in ("late", "answered_late") else 0,
    }


def phase_out(phase: Phase, today: datetime.date) -> dict[str, Any]:
    return {
        "kind": phase.kind,
        "kind_label": str(phase.get_kind_display()),
        "title": phase.title,
        "description": phase.description,
        "start_date": phase.start_date,
        "end_date": phase.end_date,
        "state": phase.state(today),
    }


def process_out(request: HttpRequest, process: Process, today: datetime.date) -> dict[str, Any]:
    current = process.current_phase(today)
    return {
        "slug": process.slug,
        "title": process.title,
        "summary": process.summary,
        "status": process.status,
        "is_open": process.status == Process.Status.PUBLISHED and current is not None,
        "institution": institution_ref(process.institution),
        "scope_level": process.scope_level,
        "scope": territory_ref(process.scope),
        "published_at": process.published_at,
        "current_phase": phase_out(current, today) if current else None,
        "answer_status": answer_status_out(process, today),
        "url": _absolute(request, reverse("processes:detail", args=[process.slug])),
    }


def contract_out(process: Process) -> dict[str, Any] | None:
    contract = getattr(process, "contract", None)
    if contract is None:
        return None
    return {
        "objective": contract.objective,
        "decision_maker": contract.decision_maker,
        "open_to_change": contract.open_to_change,
        "not_open": contract.not_open,
        "use_of_contributions": contract.use_of_contributions,
        "answer_due": contract.answer_due,
        "updated_at": contract.updated_at,
    }


def public_process_or_404(slug: str) -> Process:
    """A published or archived process; drafts answer exactly like unknown slugs."""
    process = queries.process_for_page(slug)
    if process is None or process.status == Process.Status.DRAFT:
        raise Http404
    return process


def institution_out(request: HttpRequest, institution: Institution) -> dict[str, Any]:
    territory = institution.commune or institution.departement or institution.region
    return {
        "slug": institution.slug,
        "name": institution.name,
        "kind": institution.kind,
        "kind_label": str(institution.get_kind_display()),
        "description": institution.description,
        "website": institution.website,
        "territory": territory_ref(territory),
        "process_count": institution.process_count,
        "url": _absolute(request, reverse("processes:institution", args=[institution.slug])),
    }


def _institutions() -> QuerySet[Institution]:
    return (
        Institution.objects.select_related("region", "departement", "commune")
        .annotate(process_count=Count("processes", filter=~Q(processes__status=Process.Status.DRAFT)))
        .order_by("name", "pk")
    )


def tracked_answers(state: str | None = None, institution: str | None = None) -> QuerySet[Process]:
    """Public processes with a contract, late first (most late first), then due, then answered."""
    today = timezone.localdate()
    qs = (
        Process.objects.exclude(status=Process.Status.DRAFT)
        .filter(contract__isnull=False)
        .select_related("institution", "contract", "answer")
    )
    if state == "answered":
        qs = qs.filter(answer__isnull=False)
    elif state in ("pending", "late", "due"):
        qs = qs.filter(answer__isnull=True)
        if state == "late":
            qs = qs.filter(contract__answer_due__lt=today)
        elif state == "due":
            qs = qs.filter(contract__answer_due__gte=today)
    if institution:
        qs = qs.filter(institution__slug=institution)
    rank = Case(
        When(answer__isnull=False, then=Value(2)),
        When(contract__answer_due__lt=today, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(rank=rank).order_by(
        "rank", F("answer__published_at").desc(nulls_last=True), "contract__answer_due", "pk"
    )


# --- Institutions -------------------------------------------------------------------------
@router.get("/institutions", response={200: InstitutionPage, **LIST_ERRORS}, tags=["Institutions"])
def list_institutions(
    request: HttpRequest, filters: Query[InstitutionFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Institutions running processes on the platform, by name."""
    qs = _institutions()
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return paginate(request, qs, page, transform=lambda i: institution_out(request, i))


@router.get("/institutions/{slug}", response={200: InstitutionOut, **ERRORS}, tags=["Institutions"])
def get_institution(request: HttpRequest, slug: str = InstitutionSlugPath) -> dict[str, Any]:
    """One institution by its slug."""
    institution = _institutions().filter(slug=slug).first()
    if institution is None:
        raise Http404
    return institution_out(request, institution)


# --- Processes ----------------------------------------------------------------------------
@router.get("/processes", response={200: ProcessPage, **LIST_ERRORS}, tags=["Processes"])
def list_processes(request: HttpRequest, filters: Query[ProcessFilters], page: Query[PageParams]) -> dict[str, Any]:
    """Published and archived processes (never drafts), most recent first by default."""
    qs = queries.search_processes(
        q=filters.q or "",
        status=filters.status if filters.status in ("open", "archived") else "",
        level=filters.scope_level or "",
    )
    if filters.status == "published":
        qs = qs.filter(status=Process.Status.PUBLISHED)
    if filters.institution:
        qs = qs.filter(institution__slug=filters.institution)
    qs = qs.select_related("answer").order_by(*PROCESS_ORDERS[filters.order])
    today = timezone.localdate()
    return paginate(request, qs, page, transform=lambda p: process_out(request, p, today))


@router.get("/processes/{slug}", response={200: ProcessDetailOut, **ERRORS}, tags=["Processes"])
def get_process(request: HttpRequest, slug: str = SlugPath) -> dict[str, Any]:
    """One process with its phases, participation contract, answer status and answer."""
    process = public_process_or_404(slug)
    today = timezone.localdate()
    answer = getattr(process, "answer", None)
    data = process_out(request, process, today)
    data.update(
        {
            "body": process.body,
            "body_html": str(render_markdown(process.body)),
            "image_url": _absolute(request, process.image.url) if process.image else None,
            "image_alt": process.image_alt,
            "phases": [phase_out(phase, today) for phase in process.phases.all()],
            "contract": contract_out(process),
            "answer": (
                {
                    "published_at": answer.published_at,
                    "body": answer.body,
                    "body_html": str(render_markdown(answer.body)),
                }
                if answer
                else None
            ),
            "modules": [{"module": m.module, "title": m.title} for m in process.modules.all()],
        }
    )
    return data


@router.get("/processes/{slug}/phases", response={200: list[PhaseOut], **ERRORS}, tags=["Processes"])
def list_phases(request: HttpRequest, slug: str = SlugPath) -> list[dict[str, Any]]:
    """The phases of a process, in order."""
    process = public_process_or_404(slug)
    today = timezone.localdate()
    return [phase_out(phase, today) for phase in process.phases.all()]


@router.get("/processes/{slug}/contract", response={200: ContractOut, **ERRORS}, tags=["Processes"])
def get_contract(request: HttpRequest, slug: str = SlugPath) -> dict[str, Any]:
    """The participation contract of a process: objective, who decides, what is open, answer date."""
    contract = contract_out(public_process_or_404(slug))
    if contract is None:
        raise Http404
    return contract


# --- Answers ------------------------------------------------------------------------------
@router.get("/answers", response={200: AnswerPage, **LIST_ERRORS}, tags=["Answers"])
def list_answers(request: HttpRequest, filters: Query[AnswerFilters], page: Query[PageParams]) -> dict[str, Any]:
    """The answer tracker: did each institution answer by the date it committed to?"""
    today = timezone.localdate()

    def item(process: Process) -> dict[str, Any]:
        data = answer_status_out(process, today) or {}
        data["process"] = {
            "slug": process.slug,
            "title": process.title,
            "url": _absolute(request, reverse("processes:detail", args=[process.slug])),
        }
        data["institution"] = institution_ref(process.institution)
        return data

    return paginate(request, tracked_answers(filters.state, filters.institution), page, transform=item)


@router.get("/answers/summary", response={200: AnswerSummaryOut, 429: ERRORS[429]}, tags=["Answers"])
def answers_summary(request: HttpRequest) -> dict[str, int]:
    """Platform-wide counts of the answer tracker."""
    return queries.answer_record()
