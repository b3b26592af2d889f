"""Reads of the consultation module: the text, lists, answers, versions.

Every list is bounded: sorted by an indexed column with `id` as tie-breaker and cut in
pages of PER_PAGE (at most MAX_PAGE pages are reachable by number; filters narrow the rest).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from terreau.consultations.models import (
    Answer,
    Consultation,
    Contribution,
    ContributionKind,
    Section,
    SectionKind,
    Stance,
    TextVersion,
    Verdict,
)
from terreau.consultations.ranking import shuffle_start
from terreau.moderation.models import Visibility
from terreau.processes.permissions import can_view_process

PER_PAGE = 20
MAX_PAGE = 500
SORTS = {
    "supported": ("-agree_count", "-id"),
    "contested": ("-contested", "-id"),
    "newest": ("-id",),
    "random": None,
}
DEFAULT_SORT = "supported"
ANSWER_FILTERS = {"answered", "unanswered", *Verdict.values}
SIMILAR_CANDIDATES = 400


def get_consultation(user, attached_id: int) -> Consultation:
    """The consultation of a module the user may see (404 otherwise, drafts included)."""
    consultation = get_object_or_404(
        Consultation.objects.select_related("attached__process__institution").prefetch_related(
            "attached__process__phases"
        ),
        attached_id=attached_id,
        attached__module="consultation",
    )
    if not can_view_process(user, consultation.attached.process):
        raise Http404
    return consultation


def listed(qs: QuerySet[Contribution] | None = None) -> QuerySet[Contribution]:
    qs = Contribution.objects.all() if qs is None else qs
    return qs.filter(status=Visibility.VISIBLE, merged_into__isnull=True)


def with_people(qs: QuerySet[Contribution]) -> QuerySet[Contribution]:
    return qs.select_related("author", "commune", "departement", "section", "answer", "consultation")


def with_authors(qs: QuerySet[Contribution]) -> QuerySet[Contribution]:
    """What a list item shows about who speaks. Three joins, not six: on PostgreSQL, planning
    the six-table join took 10-15 ms per query for under 1 ms of execution."""
    return qs.select_related("author", "commune", "departement")


def _attach(items: list[Contribution], consultation: Consultation, section: Section | None = None) -> None:
    """Set the relations the templates read (links, section labels) without joining them."""
    sections: dict[int, Section] = {}
    if section is None:
        ids = {c.section_id for c in items}
        sections = {s.pk: s for s in Section.objects.filter(pk__in=ids)} if ids else {}
        for s in sections.values():
            s.consultation = consultation
    for c in items:
        c.consultation = consultation
        c.section = section if section is not None else sections[c.section_id]


def versions(consultation: Consultation) -> list[TextVersion]:
    return list(consultation.versions.order_by("number"))


def version_or_current(consultation: Consultation, number: Any = None) -> TextVersion | None:
    qs = consultation.versions.all()
    if number not in (None, ""):
        try:
            return qs.filter(number=int(number)).first()
        except (TypeError, ValueError):
            return None
    return qs.order_by("-number").first()


@dataclass
class DocumentSection:
    section: Section
    amendments: int = 0
    proposals: int = 0
    arguments: int = 0


def document(version: TextVersion) -> list[DocumentSection]:
    """The sections of one version in order, with their contribution counters (stored on the
    section by the services, so this is one query over the version's sections)."""
    sections = list(version.sections.order_by("position"))
    for s in sections:
        s.consultation = version.consultation
    return [
        DocumentSection(s, amendments=s.amendment_count, proposals=s.proposal_count, arguments=s.argument_count)
        for s in sections
    ]


def document_key(items: list[DocumentSection]) -> str:
    """A digest of every counter the text page shows: part of the rendered document's cache
    key, so that a vote, a new contribution, a hidden, restored or merged one shows at once."""
    digest = hashlib.blake2b(digest_size=12)
    for item in items:
        s = item.section
        digest.update(
            f"{s.pk}:{s.agree_count}:{s.mitigated_count}:{s.disagree_count}:"
            f"{item.amendments}:{item.proposals}:{item.arguments};".encode()
        )
    return digest.hexdigest()


def get_section(consultation: Consultation, section_id: int) -> Section:
    section = get_object_or_404(Section.objects.select_related("version"), pk=section_id, consultation=consultation)
    section.consultation = consultation
    return section


def get_contribution(consultation: Consultation, contribution_id: int, *, include_hidden: bool = True) -> Contribution:
    qs = with_people(Contribution.objects.filter(consultation=consultation))
    contribution = get_object_or_404(qs, pk=contribution_id)
    contribution.consultation = consultation
    contribution.section.consultation = consultation
    if not include_hidden and contribution.is_hidden:
        raise Http404
    return contribution


def neighbours(section: Section) -> tuple[Section | None, Section | None]:
    """The previous and next article (or memorandum/annex) of the same version."""
    qs = (
        Section.objects.filter(version_id=section.version_id)
        .exclude(kind__in=[SectionKind.TITLE, SectionKind.CHAPTER, SectionKind.SECTION])
        .select_related("consultation")
    )
    prev = qs.filter(position__lt=section.position).order_by("-position").first()
    nxt = qs.filter(position__gt=section.position).order_by("position").first()
    return prev, nxt


def top_contributions(section: Section, kind: str, limit: int = 10) -> list[Contribution]:
    qs = listed(section.contributions.filter(kind=kind, parent__isnull=True))
    items = list(with_authors(qs).order_by("-agree_count", "-id")[:limit])
    _attach(items, section.consultation, section)
    return items


def arguments_of(target: Section | Contribution, stance: str, limit: int = 20) -> list[Contribution]:
    if isinstance(target, Section):
        qs = target.contributions.filter(kind=ContributionKind.ARGUMENT, parent__isnull=True)
    else:
        qs = target.arguments.all()
    qs = listed(qs.filter(stance=stance))
    items = list(with_authors(qs).prefetch_related("sources").order_by("-agree_count", "-id")[:limit])
    if isinstance(target, Section):
        _attach(items, target.consultation, target)
    else:
        _attach(items, target.consultation)
    return items


def argument_counts(target: Section | Contribution) -> dict[str, int]:
    if isinstance(target, Section):
        qs = target.contributions.filter(kind=ContributionKind.ARGUMENT, parent__isnull=True)
    else:
        qs = target.arguments.all()
    rows = dict(listed(qs).values_list("stance").annotate(n=Count("id")).order_by())
    return {Stance.FOR: rows.get(Stance.FOR, 0), Stance.AGAINST: rows.get(Stance.AGAINST, 0)}


@dataclass
class ListFilters:
    kind: str = ""
    author_kind: str = ""
    departement: str = ""
    section: int | None = None
    answer: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    def query(self, **override: Any) -> dict[str, Any]:
        values = {
            "kind": self.kind,
            "author_kind": self.author_kind,
            "departement": self.departement,
            "section": self.section or "",
            "answer": self.answer,
            "sort": self.sort,
            "page": self.page,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}


def parse_filters(params: Any) -> ListFilters:
    """Allow-listed filter values from query parameters; anything else is ignored."""
    from terreau.accounts.models import ParticipantKind

    def one(name: str) -> str:
        value = params.get(name, "")
        return value if isinstance(value, str) and len(value) <= 40 else ""

    f = ListFilters()
    if one("kind") in ContributionKind.values:
        f.kind = one("kind")
    if one("author_kind") in ParticipantKind.values:
        f.author_kind = one("author_kind")
    dep = one("departement")
    if dep and len(dep) <= 3 and dep.isalnum():
        f.departement = dep.upper()
    sec = one("section")
    if sec.isdigit() and len(sec) < 12:
        f.section = int(sec)
    if one("answer") in ANSWER_FILTERS:
        f.answer = one("answer")
    if one("sort") in SORTS:
        f.sort = one("sort")
    page = one("page")
    if page.isdigit() and len(page) < 6:
        f.page = min(max(1, int(page)), MAX_PAGE)
    return f


def filtered(consultation: Consultation, f: ListFilters) -> QuerySet[Contribution]:
    qs = listed(consultation.contributions.all())
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.author_kind:
        qs = qs.filter(author_kind=f.author_kind)
    if f.departement:
        qs = qs.filter(departement_id=f.departement)
    if f.section:
        qs = qs.filter(Q(section_id=f.section))
    if f.answer == "answered":
        qs = qs.exclude(answer_verdict="")
    elif f.answer == "unanswered":
        qs = qs.filter(answer_verdict="")
    elif f.answer:
        qs = qs.filter(answer_verdict=f.answer)
    return qs


@dataclass
class Page:
    items: list[Contribution]
    number: int
    total: int
    per_page: int = PER_PAGE
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.total // self.per_page)))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0


def contribution_page(consultation: Consultation, f: ListFilters, *, visitor_seed: str = "") -> Page:
    """One page of the listed contributions, filtered and sorted (see SORTS)."""
    qs = filtered(consultation, f)
    total = qs.count()
    number = min(f.page, max(1, -(-total // PER_PAGE)))
    start = (number - 1) * PER_PAGE
    # The page's ids first (an index scan), then those 20 rows with their relations: deep
    # pages never join the rows they skip.
    if f.sort == "random":
        page_ids = rotated_ids(qs, shuffle_start(visitor_seed or "-"), start, PER_PAGE)
    else:
        page_ids = list(qs.order_by(*SORTS[f.sort]).values_list("id", flat=True)[start : start + PER_PAGE])
    rows = {c.pk: c for c in with_authors(Contribution.objects.filter(pk__in=page_ids))}
    items = [rows[i] for i in page_ids if i in rows]
    _attach(items, consultation)
    return Page(items=items, number=number, total=total)


def rotated_ids(qs: QuerySet[Contribution], start_key: int, offset: int, limit: int) -> list[int]:
    """Ids `offset` to `offset + limit` of the circular order by stored `shuffle_key` read from
    `start_key`: keys >= start_key ascending, then the keys below it (ties broken by id)."""
    upper = qs.filter(shuffle_key__gte=start_key).order_by("shuffle_key", "id").values_list("id", flat=True)
    lower = qs.filter(shuffle_key__lt=start_key).order_by("shuffle_key", "id").values_list("id", flat=True)
    ids = list(upper[offset : offset + limit])
    if len(ids) == limit:
        return ids
    in_upper = offset + len(ids) if ids or offset == 0 else upper.count()
    skip = max(0, offset - in_upper)
    return ids + list(lower[skip : skip + limit - len(ids)])


def listed_answers(consultation: Consultation) -> QuerySet[Answer]:
    """Answers to contributions still shown (not hidden by moderation), most recent first."""
    return (
        Answer.objects.filter(consultation=consultation)
        .exclude(contribution__status=Visibility.HIDDEN)
        .order_by("-answered_at", "-id")
    )


def answer_page(consultation: Consultation, page: int = 1) -> Page:
    qs = listed_answers(consultation)
    total = qs.count()
    number = min(max(1, page), max(1, -(-total // PER_PAGE)), MAX_PAGE)
    start = (number - 1) * PER_PAGE
    answers = list(
        qs.select_related("contribution__section", "contribution__author").order_by("-answered_at", "-id")[
            start : start + PER_PAGE
        ]
    )
    return Page(items=answers, number=number, total=total)


def verdict_counts(consultation: Consultation) -> dict[str, int]:
    rows = dict(
        Answer.objects.filter(consultation=consultation).values_list("verdict").annotate(n=Count("id")).order_by()
    )
    return {v: rows.get(v, 0) for v in Verdict.values}


def similar_contributions(section: Section, text: str, limit: int = 5) -> list[Contribution]:
    """Listed amendments and proposals close to `text` in the same consultation (same section first)."""
    from terreau.consultations.similar import similar

    if not text.strip():
        return []
    qs = listed(section.consultation.contributions.exclude(kind=ContributionKind.ARGUMENT))
    same = list(
        qs.filter(section=section)
        .order_by("-agree_count", "-id")
        .values_list("id", "title", "body")[:SIMILAR_CANDIDATES]
    )
    others = list(
        qs.exclude(section=section)
        .order_by("-agree_count", "-id")
        .values_list("id", "title", "body")[: max(0, SIMILAR_CANDIDATES - len(same))]
    )
    candidates = [(pk, f"{title}\n{body}".strip()) for pk, title, body in same + others]
    found = similar(text, candidates, limit)
    ids = [pk for pk, _score in found]
    rows = {c.pk: c for c in with_people(Contribution.objects.filter(pk__in=ids))}
    return [rows[i] for i in ids if i in rows]


@dataclass
class ChangedSection:
    old: Section | None
    new: Section
    changed: bool
    diff_html: Any = ""
    led_by: list[Contribution] = field(default_factory=list)


def version_changes(version: TextVersion) -> list[ChangedSection]:
    """Each section of `version` against its previous wording, with the contributions that led to it."""
    sections = list(version.sections.select_related("previous").prefetch_related("led_by__author").order_by("position"))
    out = []
    for s in sections:
        old_body = s.previous.body if s.previous else ""
        changed = s.previous is None or old_body != s.body
        diff = diff_html(old_body, s.body) if changed else ""
        led = [c for c in s.led_by.all() if not c.is_hidden]
        out.append(ChangedSection(old=s.previous, new=s, changed=changed, diff_html=diff, led_by=led))
    return out


_SOFT_BREAK = re.compile(r"(?<=\S)[ \t]*\n(?![ \t]*(?:\n|[-*+>#|]|\d+[.)]\s))[ \t]*(?=\S)")


def flow(text: str) -> str:
    """Join Markdown soft line breaks (a paragraph wrapped over several lines) with spaces,
    so that a diff compares words, not where the institution's editor wrapped its lines."""
    return _SOFT_BREAK.sub(" ", text or "")


def diff_html(old: str, new: str):
    from terreau.consultations.diffing import render_diff_html, word_diff

    return render_diff_html(word_diff(flow(old), flow(new)))


def new_visitor_seed() -> str:
    return secrets.token_hex(8)
