"""Reads of the synthesis app: what the pages, exports and API show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, QuerySet

from terreau.synthesis.models import Member, Synthesis, SynthesisRun, Theme
from terreau.synthesis.services import EDIT_ACTIONS, source_of, target_of
from terreau.synthesis.sources import ContributionSource, all_sources

# Filters of the contribution list: query parameter -> Member field (SECURITY.md #3: nothing else).
MEMBER_FILTERS = {
    "theme": "theme__key",
    "sub": "subtheme__key",
    "campagne": "campaign",
    "bref": "one_liner",
    "dep": "departement",
    "type": "author_kind",
    "rare": None,  # a rare argument's unit id: its contributions are listed in the stored result
}
FILTER_MAX = 30


@dataclass
class SourceEntry:
    source: ContributionSource
    target: Model
    synthesis: Synthesis | None
    run: SynthesisRun | None
    count: int


def process_targets(process) -> list[Model]:
    """The objects of a process a synthesis can be attached to: the process and its modules."""
    return [process, *process.modules.all()]


def sources_for(target: Model) -> list[SourceEntry]:
    """The sources that apply to one object (a process, a module, a petition), with their synthesis."""
    label = target._meta.label
    content_type = ContentType.objects.get_for_model(target)
    entries = []
    for source in all_sources():
        if source.model != label or not source.applies_to(target):
            continue
        synthesis = Synthesis.objects.filter(source=source.name, content_type=content_type, object_id=target.pk).first()
        entries.append(
            SourceEntry(source, target, synthesis, latest_run(synthesis) if synthesis else None, source.count(target))
        )
    return entries


def sources_for_process(process) -> list[SourceEntry]:
    return [entry for target in process_targets(process) for entry in sources_for(target)]


def published_for(target: Model) -> list[Synthesis]:
    """The published syntheses of one object, if the public may see it (for its public page)."""
    content_type = ContentType.objects.get_for_model(target)
    found = []
    for synthesis in Synthesis.objects.filter(
        content_type=content_type, object_id=target.pk, state=Synthesis.State.PUBLISHED
    ).order_by("id"):
        source = source_of(synthesis)
        if source is not None and source.is_public(target):
            found.append(synthesis)
    return found


def latest_run(synthesis: Synthesis) -> SynthesisRun | None:
    return synthesis.runs.order_by("-created_at", "-id").first()


def published() -> list[Synthesis]:
    """Published syntheses whose target the public may see."""
    out = []
    for synthesis in Synthesis.objects.filter(state=Synthesis.State.PUBLISHED).order_by("-published_at", "-id"):
        source, target = source_of(synthesis), target_of(synthesis)
        if source is not None and target is not None and source.is_public(target):
            out.append(synthesis)
    return out


def top_themes(synthesis: Synthesis) -> list[Theme]:
    themes = list(synthesis.themes.order_by("-n_authors", "position", "id"))
    by_parent: dict[int, list[Theme]] = defaultdict(list)
    for theme in themes:
        if theme.parent_id:
            by_parent[theme.parent_id].append(theme)
    top = [t for t in themes if not t.parent_id]
    for theme in top:
        theme.children = by_parent.get(theme.pk, [])
    return top


def member_filters(params) -> dict[str, str]:
    """The allow-listed filters of a query string, each a short string."""
    out = {}
    for name in MEMBER_FILTERS:
        value = params.get(name)
        if isinstance(value, str) and value and len(value) <= FILTER_MAX:
            out[name] = value
    return out


def members(synthesis: Synthesis, filters: dict[str, str]) -> QuerySet[Member]:
    qs = synthesis.members.select_related("theme", "subtheme")
    for name, value in filters.items():
        if name == "theme" and value == "-":  # in no theme (one-liners are listed on their own)
            qs = qs.filter(theme=None, one_liner="")
        elif name == "rare":
            qs = qs.filter(contribution_id__in=rare_contribution_ids(synthesis, value))
        else:
            qs = qs.filter(**{MEMBER_FILTERS[name]: value})
    return qs.order_by("position", "id")


def n_authors(synthesis: Synthesis) -> int:
    return synthesis.members.values("author_key").distinct().count()


@dataclass
class TerritoryRow:
    code: str
    name: str
    n_authors: int
    themes: list[tuple[Theme, int]] = field(default_factory=list)


def authors_by_departement(synthesis: Synthesis) -> dict[str, int]:
    """{département code: distinct authors} (a campaign counts each of its authors once)."""
    return dict(
        synthesis.members.exclude(departement="")
        .values("departement")
        .annotate(n=Count("author_key", distinct=True))
        .values_list("departement", "n")
    )


def territory_rows(synthesis: Synthesis, themes: list[Theme]) -> list[TerritoryRow]:
    """Distinct authors per département, and per theme in it (a campaign counts its authors once).
    Two GROUP BY queries: the page stays fast whatever the number of contributions."""
    from terreau.territories.models import Departement

    located = synthesis.members.exclude(departement="")
    totals = authors_by_departement(synthesis).items()
    per_theme = {
        (dep, theme_id): n
        for dep, theme_id, n in located.exclude(theme=None)
        .values("departement", "theme_id")
        .annotate(n=Count("author_key", distinct=True))
        .values_list("departement", "theme_id", "n")
    }
    names = dict(Departement.objects.values_list("code", "name"))
    rows = []
    for dep, n in sorted(totals, key=lambda kv: (-kv[1], kv[0])):
        row = TerritoryRow(dep, names.get(dep, dep), n)
        row.themes = [(t, per_theme.get((dep, t.pk), 0)) for t in themes]
        rows.append(row)
    return rows


def kind_rows(synthesis: Synthesis) -> list[tuple[str, str, int]]:
    """(kind, label, distinct authors) per participant kind."""
    from terreau.accounts.models import ParticipantKind

    labels = dict(ParticipantKind.choices)
    counts = (
        synthesis.members.exclude(author_kind="")
        .values("author_kind")
        .annotate(n=Count("author_key", distinct=True))
        .order_by("-n", "author_kind")
    )
    return [(row["author_kind"], str(labels.get(row["author_kind"], row["author_kind"])), row["n"]) for row in counts]


def campaigns(synthesis: Synthesis) -> list[dict[str, Any]]:
    return sorted((synthesis.data or {}).get("campaigns", []), key=lambda c: -c["n_authors"])


def rare_arguments(synthesis: Synthesis) -> list[dict[str, Any]]:
    return list((synthesis.data or {}).get("rare_arguments", []))


def rare_contribution_ids(synthesis: Synthesis, unit_id: str) -> list[str]:
    """The contributions behind one rare argument (none for an unknown id)."""
    for argument in rare_arguments(synthesis):
        if argument.get("unit_id") == unit_id:
            ids = argument.get("contribution_ids") or [argument["contribution_id"]]
            return [str(i) for i in ids]
    return []


def one_liners(synthesis: Synthesis) -> list[dict[str, Any]]:
    return [{**o, "key": f"O{i}"} for i, o in enumerate((synthesis.data or {}).get("one_liners", []), 1)]


def edit_labels(synthesis: Synthesis) -> list[str]:
    """The kinds of edits the team made, in French, for the public notice."""
    from terreau.synthesis.services import edit_summary

    return [EDIT_ACTIONS[action] for action in edit_summary(synthesis)]


def public_links_for_process(process) -> list[tuple[Any, str]]:
    """The published syntheses of a process and its modules, for its public page."""
    from django.db.models import Q
    from django.utils.translation import gettext_lazy as _

    condition = Q()
    for target in process_targets(process):
        condition |= Q(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)
    links = []
    for synthesis in Synthesis.objects.filter(condition, state=Synthesis.State.PUBLISHED).order_by("id"):
        source, target = source_of(synthesis), target_of(synthesis)
        if source is not None and target is not None and source.is_public(target):
            links.append((_("Synthèse : %(source)s") % {"source": source.label}, synthesis.get_absolute_url()))
    return links
