"""API router of petitions: public petitions, their counts, counts by département.

Read-only; pending and refused petitions answer 404 like unknown slugs. No personal data.
Mounted under /api/petitions by the app's AppConfig.ready().
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema

from terreau.api.comments import CommentPage, comment_out
from terreau.api.pagination import paginate
from terreau.api.schemas import ERRORS, LIST_ERRORS, SLUG_PATTERN, PageOut, PageParams
from terreau.discussions.queries import public_comments
from terreau.petitions import queries

router = Router(tags=["Petitions"])
SlugPath = Path(..., max_length=90, pattern=SLUG_PATTERN, example="proteger-les-haies-du-bocage")
PublicState = Literal["open", "closed", "answered", "escalated"]


class PetitionOut(Schema):
    slug: str
    title: str
    demand: str
    institution: str = Field(..., description="Slug of the addressee institution.")
    status: PublicState
    scope_level: str
    territory_code: str | None = None
    published_at: datetime.datetime | None
    closed_at: datetime.datetime | None = None
    signatures: int = Field(..., description="Counted signatures (confirmed, not invalidated), at most 60 s stale.")
    goal: int | None = None
    answer_threshold: int | None = None
    escalation_threshold: int | None = None
    answer_due: datetime.date | None = None
    answered_at: datetime.datetime | None = None
    escalated_process: str | None = Field(None, description="Slug of the process opened after escalation.")
    url: str


class PetitionPage(PageOut):
    results: list[PetitionOut]


class PetitionFilters(Schema):
    q: str | None = Field(None, max_length=100)
    status: PublicState | None = None


class CountOut(Schema):
    slug: str
    signatures: int


class DepartementCount(Schema):
    departement: str | None = Field(..., description="INSEE code; null for abroad or unknown.")
    name: str | None
    signatures: int


def petition_out(request: HttpRequest, p, count: int | None = None) -> dict[str, Any]:
    kind = p.petition_type
    return {
        "slug": p.slug,
        "title": p.title,
        "demand": p.demand,
        "institution": p.institution.slug,
        "status": p.status,
        "scope_level": p.scope_level,
        "territory_code": p.scope.pk if p.scope else None,
        "published_at": p.published_at,
        "closed_at": p.closed_at,
        "signatures": queries.signature_count(p.pk) if count is None else count,
        "goal": p.goal,
        "answer_threshold": kind.answer_threshold if kind else None,
        "escalation_threshold": kind.escalation_threshold if kind else None,
        "answer_due": p.answer_due,
        "answered_at": p.answered_at,
        "escalated_process": p.escalated_process.slug
        if p.escalated_process and p.escalated_process.status != "draft"
        else None,
        "url": request.build_absolute_uri(reverse("petitions:detail", args=[p.slug])),
    }


def _public(slug: str):
    petition = queries.petition_for_page(slug)
    if petition is None or not petition.is_public:
        raise Http404
    return petition


@router.get("", response={200: PetitionPage, **LIST_ERRORS})
def list_petitions(request: HttpRequest, filters: Query[PetitionFilters], page: Query[PageParams]) -> dict[str, Any]:
    """Public petitions, most recent first. `signatures` here is the last reconciled count."""
    qs = queries.search_petitions(q=filters.q or "", status=filters.status or "").select_related(
        "petition_type", "escalated_process"
    )
    return paginate(request, qs, page, transform=lambda p: petition_out(request, p, p.signature_count))


@router.get("/{slug}", response={200: PetitionOut, **ERRORS})
def get_petition(request: HttpRequest, slug: str = SlugPath) -> dict[str, Any]:
    return petition_out(request, _public(slug))


@router.get("/{slug}/count", response={200: CountOut, **ERRORS})
def get_count(request: HttpRequest, slug: str = SlugPath) -> dict[str, Any]:
    petition = _public(slug)
    return {"slug": petition.slug, "signatures": queries.signature_count(petition.pk)}


@router.get("/{slug}/departements", response={200: list[DepartementCount], **ERRORS})
def get_departements(request: HttpRequest, slug: str = SlugPath) -> list[dict[str, Any]]:
    petition = _public(slug)
    return [
        {"departement": d.pk if d else None, "name": d.name if d else None, "signatures": n}
        for d, n in queries.counts_by_departement(petition.pk)
    ]


@router.get("/{slug}/comments", response={200: CommentPage, **ERRORS})
def list_comments(request: HttpRequest, page: Query[PageParams], slug: str = SlugPath) -> dict[str, Any]:
    """The public comments on a petition, oldest first; hidden ones left out, authors by kind only."""
    petition = _public(slug)
    content_type = ContentType.objects.get_for_model(petition)
    comments = (
        public_comments()
        .filter(content_type=content_type, object_id=petition.pk)
        .select_related("content_type")
        .prefetch_related("target")
    )
    return paginate(request, comments, page, transform=lambda c: comment_out(request, c))
