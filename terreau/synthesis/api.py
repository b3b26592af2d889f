"""Published syntheses, read-only. Drafts and syntheses of non-public objects answer 404 like
unknown ids. Author keys are never exposed; contributions are given by id and URL."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from terreau.api.pagination import paginate
from terreau.api.schemas import ERRORS, LIST_ERRORS, PageOut, PageParams
from terreau.synthesis import exports, queries
from terreau.synthesis.models import Synthesis
from terreau.synthesis.services import edit_summary, source_of, target_of

router = Router(tags=["Syntheses"])


class SynthesisSummaryOut(Schema):
    id: int = Field(..., examples=[3])
    source: str = Field(..., examples=["discussions.process_comments"])
    title: str
    published_at: datetime.datetime | None
    computed_at: datetime.datetime | None
    n_themes: int
    url: str


class VerbatimOut(Schema):
    contribution_id: str
    text: str


class ThemeOut(Schema):
    id: str = Field(..., examples=["T1"])
    parent_id: str | None
    label: str
    automatic_label: str
    edited: bool
    keywords: list[str]
    bigrams: list[str]
    n_units: int
    n_contributions: int
    n_authors: int = Field(..., description="Distinct authors: a campaign counts each person once.")
    supports: int
    stance: dict[str, int]
    summary: str
    verbatims: list[VerbatimOut]


class CampaignOut(Schema):
    id: str
    text: str
    n_contributions: int
    n_authors: int
    n_exact_copies: int
    supports: int
    theme_ids: list[str | None]


class RareOut(Schema):
    contribution_id: str | int
    text: str
    n_contributions: int = Field(..., description="Its real, small count: not a majority view.")
    n_authors: int
    distinctness: float
    score: float
    nearest_theme_id: str | None


class SynthesisOut(SynthesisSummaryOut):
    edits: dict[str, int] = Field(..., description="Edits by the team since the last automatic run, by kind.")
    stats: dict[str, Any]
    themes: list[ThemeOut]
    campaigns: list[CampaignOut]
    rare_arguments: list[RareOut]


class MemberOut(Schema):
    contribution_id: str
    theme_id: str | None
    subtheme_id: str | None
    campaign_id: str | None
    departement: str | None
    author_kind: str | None
    assigned_by: str
    url: str


class MemberPage(PageOut):
    results: list[MemberOut]


def _published_or_404(pk: int) -> Synthesis:
    synthesis = Synthesis.objects.filter(pk=pk, state=Synthesis.State.PUBLISHED).first()
    if synthesis is None:
        raise Http404
    source, target = source_of(synthesis), target_of(synthesis)
    if source is None or target is None or not source.is_public(target):
        raise Http404
    return synthesis


def _summary(request: HttpRequest, synthesis: Synthesis) -> dict[str, Any]:
    source, target = source_of(synthesis), target_of(synthesis)
    return {
        "id": synthesis.pk,
        "source": synthesis.source,
        "title": source.title(target),
        "published_at": synthesis.published_at,
        "computed_at": synthesis.computed_at,
        "n_themes": synthesis.themes.filter(parent=None).count(),
        "url": request.build_absolute_uri(synthesis.get_absolute_url()),
    }


@router.get("/syntheses", response={200: list[SynthesisSummaryOut], **LIST_ERRORS})
def list_syntheses(request: HttpRequest) -> list[dict[str, Any]]:
    """Published syntheses of public objects, newest first."""
    return [_summary(request, s) for s in queries.published()]


@router.get("/syntheses/{synthesis_id}", response={200: SynthesisOut, **ERRORS})
def get_synthesis(request: HttpRequest, synthesis_id: int) -> dict[str, Any]:
    """One published synthesis: themes, campaigns, rare arguments (membership: see /contributions)."""
    synthesis = _published_or_404(synthesis_id)
    return {
        **_summary(request, synthesis),
        "edits": edit_summary(synthesis),
        "stats": (synthesis.data or {}).get("stats", {}),
        "themes": exports.themes(synthesis),
        "campaigns": exports.campaigns(synthesis),
        "rare_arguments": exports.rare(synthesis),
    }


class MemberFilters(Schema):
    theme: str | None = Field(None, max_length=30, description="Theme id (T1, T1.2…); '-' for none.")
    campaign: str | None = Field(None, max_length=30)
    departement: str | None = Field(None, max_length=3)


@router.get("/syntheses/{synthesis_id}/contributions", response={200: MemberPage, **ERRORS})
def list_members(
    request: HttpRequest, synthesis_id: int, page: Query[PageParams], filters: Query[MemberFilters]
) -> dict[str, Any]:
    """The contributions the synthesis read and where each went, in reading order."""
    synthesis = _published_or_404(synthesis_id)
    source, target = source_of(synthesis), target_of(synthesis)
    wanted = {
        name: value
        for name, value in (("theme", filters.theme), ("campagne", filters.campaign), ("dep", filters.departement))
        if value
    }
    members = queries.members(synthesis, wanted)

    def out(m) -> dict[str, Any]:
        return {
            "contribution_id": m.contribution_id,
            "theme_id": m.theme.key if m.theme else None,
            "subtheme_id": m.subtheme.key if m.subtheme else None,
            "campaign_id": m.campaign or None,
            "departement": m.departement or None,
            "author_kind": m.author_kind or None,
            "assigned_by": m.assigned_by,
            "url": request.build_absolute_uri(source.contribution_url(target, m.contribution_id)),
        }

    return paginate(request, members, page, transform=out)
