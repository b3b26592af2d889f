"""Read endpoints of the consultation module, mounted under /api/modules/consultation/.

The same public data as the pages and the open data exports: drafts answer 404, hidden
and merged contributions are left out, authors appear by kind and département only.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema

from terreau.api.pagination import paginate
from terreau.api.schemas import ERRORS, LIST_ERRORS, PageOut, PageParams
from terreau.consultations import queries
from terreau.consultations.models import Answer, Consultation, Contribution, Section
from terreau.processes.models import Process

router = Router(tags=["Consultations"])

ID_MAX = 2_147_483_647  # ids beyond a 32-bit integer do not exist: 422, not a database overflow


ConsultationId = Annotated[int, Path(ge=1, le=ID_MAX, description="The consultation module's id.")]
ContributionId = Annotated[int, Path(ge=1, le=ID_MAX, description="The contribution's id.")]


class ConsultationSectionOut(Schema):
    id: int
    kind: str
    number: str
    heading: str
    body: str
    level: int
    parent_id: int | None
    agree: int
    mitigated: int
    disagree: int
    amendments: int
    proposals: int
    arguments: int


class ConsultationVersionOut(Schema):
    number: int
    published_at: datetime.datetime
    note: str


class ConsultationOut(Schema):
    id: int = Field(..., description="The consultation module's id (as in its page's URL).")
    process_slug: str
    text_title: str
    url: str
    versions: list[ConsultationVersionOut]
    version: int = Field(..., description="The version whose sections are listed.")
    sections: list[ConsultationSectionOut]


class ConsultationSourceOut(Schema):
    kind: str
    title: str
    url: str


class ConsultationAnswerOut(Schema):
    verdict: str
    explanation: str
    answered_at: datetime.datetime


class ConsultationContributionOut(Schema):
    id: int
    kind: str
    stance: str | None
    section_id: int
    parent_id: int | None
    title: str
    body: str
    explanation: str
    author_kind: str
    author_departement_code: str | None
    origin: str
    offline_source: str
    agree: int
    mitigated: int
    disagree: int
    created_at: datetime.datetime
    url: str
    sources: list[ConsultationSourceOut]
    answer: ConsultationAnswerOut | None


class ConsultationContributionPage(PageOut):
    results: list[ConsultationContributionOut]


class ConsultationAnswerItemOut(ConsultationAnswerOut):
    contribution_id: int


class ConsultationAnswerPage(PageOut):
    results: list[ConsultationAnswerItemOut]


class ConsultationContributionFilters(Schema):
    kind: Literal["amendment", "proposal", "argument"] | None = None
    author_kind: str | None = Field(None, max_length=20)
    departement: str | None = Field(None, pattern=r"^([0-9]{2,3}|2[AB])$")
    section: int | None = Field(None, ge=1, le=ID_MAX)
    answer: Literal["answered", "unanswered", "retained", "partly", "not_retained", "out_of_scope"] | None = None
    sort: Literal["supported", "contested", "newest"] = "supported"


def _public(consultation_id: ConsultationId) -> Consultation:
    consultation = (
        Consultation.objects.select_related("attached__process")
        .filter(attached_id=consultation_id, attached__module="consultation")
        .exclude(attached__process__status=Process.Status.DRAFT)
        .first()
    )
    if consultation is None:
        raise Http404
    return consultation


def _section_out(ds: queries.DocumentSection) -> dict[str, Any]:
    s: Section = ds.section
    return {
        "id": s.pk,
        "kind": s.kind,
        "number": s.number,
        "heading": s.heading,
        "body": s.body,
        "level": s.level,
        "parent_id": s.parent_id,
        "agree": s.agree_count,
        "mitigated": s.mitigated_count,
        "disagree": s.disagree_count,
        "amendments": ds.amendments,
        "proposals": ds.proposals,
        "arguments": ds.arguments,
    }


def _answer_out(answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"verdict": answer.verdict, "explanation": answer.explanation, "answered_at": answer.answered_at}


def contribution_out(request: HttpRequest, c: Contribution) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "stance": c.stance or None,
        "section_id": c.section_id,
        "parent_id": c.parent_id,
        "title": c.title,
        "body": c.body,
        "explanation": c.explanation,
        "author_kind": c.author_kind,
        "author_departement_code": c.departement_id,
        "origin": c.origin,
        "offline_source": c.offline_source,
        "agree": c.agree_count,
        "mitigated": c.mitigated_count,
        "disagree": c.disagree_count,
        "created_at": c.created_at,
        "url": request.build_absolute_uri(c.get_absolute_url()),
        "sources": [{"kind": s.kind, "title": s.title, "url": s.url} for s in c.sources.all()],
        "answer": _answer_out(getattr(c, "answer", None)),
    }


@router.get("/{consultation_id}", response={200: ConsultationOut, **ERRORS})
def get_consultation(
    request: HttpRequest, consultation_id: ConsultationId, version: int | None = Query(None, ge=1, le=32_767)
) -> dict[str, Any]:
    """The text of a consultation (the latest version unless `version` is given), section by
    section in document order, with the votes and contribution counts of each section."""
    consultation = _public(consultation_id)
    v = queries.version_or_current(consultation, version)
    if v is None:
        raise Http404
    return {
        "id": consultation.attached_id,
        "process_slug": consultation.attached.process.slug,
        "text_title": consultation.text_title,
        "url": request.build_absolute_uri(consultation.get_absolute_url()),
        "versions": [
            {"number": x.number, "published_at": x.published_at, "note": x.note} for x in queries.versions(consultation)
        ],
        "version": v.number,
        "sections": [_section_out(ds) for ds in queries.document(v)],
    }


@router.get("/{consultation_id}/contributions", response={200: ConsultationContributionPage, **ERRORS})
def list_contributions(
    request: HttpRequest,
    consultation_id: ConsultationId,
    filters: Query[ConsultationContributionFilters],
    page: Query[PageParams],
) -> dict[str, Any]:
    """Listed contributions (amendments, proposals, arguments), filtered and sorted."""
    consultation = _public(consultation_id)
    f = queries.ListFilters(
        kind=filters.kind or "",
        author_kind=filters.author_kind or "",
        departement=filters.departement or "",
        section=filters.section,
        answer=filters.answer or "",
        sort=filters.sort,
    )
    qs = (
        queries.with_people(queries.filtered(consultation, f))
        .prefetch_related("sources")
        .order_by(*queries.SORTS[f.sort])
    )
    return paginate(request, qs, page, transform=lambda c: contribution_out(request, c))


@router.get("/{consultation_id}/contributions/{contribution_id}", response={200: ConsultationContributionOut, **ERRORS})
def get_contribution(
    request: HttpRequest, consultation_id: ConsultationId, contribution_id: ContributionId
) -> dict[str, Any]:
    """One listed contribution with its sources and the institution's answer."""
    consultation = _public(consultation_id)
    c = (
        queries.with_people(queries.listed(consultation.contributions.filter(pk=contribution_id)))
        .prefetch_related("sources")
        .first()
    )
    if c is None:
        raise Http404
    return contribution_out(request, c)


@router.get("/{consultation_id}/answers", response={200: ConsultationAnswerPage, **LIST_ERRORS, 404: ERRORS[404]})
def list_answers(request: HttpRequest, consultation_id: ConsultationId, page: Query[PageParams]) -> dict[str, Any]:
    """The institution's answers to contributions, most recent first."""
    consultation = _public(consultation_id)
    qs = queries.listed_answers(consultation)
    return paginate(
        request,
        qs,
        page,
        transform=lambda a: {"contribution_id": a.contribution_id, **_answer_out(a)},
    )
