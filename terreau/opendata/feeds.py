"""Atom feeds: new processes, published answers, and each process's new contributions.

A process's contributions come from "contribution sources": functions registered here
by apps and modules, `(process, limit) -> iterable of FeedEntry`, newest first, public
content only (no hidden or moderated item, no drafts). See docs/opendata.md.

Atom `summary` elements are HTML (type="html"): plain text is HTML-escaped before the XML
writer escapes it again, and Markdown goes through the site's sanitizer, so no markup
from a participant ever reaches a feed reader as HTML it did not write.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from terreau.core.markdown import render_markdown
from terreau.processes import queries
from terreau.processes.models import InstitutionAnswer, Process

FEED_SIZE = 30
RIGHTS = "Licence Ouverte 2.0 (Etalab)"


@dataclass(frozen=True)
class FeedEntry:
    """One item of a process's contribution feed."""

    id: str  # stable and unique, e.g. "comment-42"
    title: str  # plain text
    published: datetime.datetime
    link: str  # path or absolute URL of the item on the site
    html: str = ""  # sanitized HTML (e.g. render_markdown(...)); or:
    text: str = ""  # plain text, escaped here
    author: str = ""  # a public label (participant kind, institution); never an email
    updated: datetime.datetime | None = None


ContributionSource = Callable[[Process, int], Iterable[FeedEntry]]
_sources: dict[str, ContributionSource] = {}


def register_contribution_source(name: str, source: ContributionSource) -> ContributionSource:
    """Add `source` to every process's contribution feed (call it from a module's module.py)."""
    _sources[name] = source
    return source


def contribution_sources() -> dict[str, ContributionSource]:
    _load_builtin_sources()
    return dict(_sources)


def _load_builtin_sources() -> None:
    """The shared apps' contributions: comments."""
    if "comments" in _sources:
        return
    from terreau.opendata import comments

    register_contribution_source("comments", comments.feed_entries)


class TerreauFeed(Feed):
    feed_type = Atom1Feed
    feed_copyright = RIGHTS

    def item_updateddate(self, item: Any) -> datetime.datetime | None:
        return None


class LatestProcessesFeed(TerreauFeed):
    title = _("Terreau — nouvelles démarches participatives")
    subtitle = _("Les démarches publiées sur la plateforme, les plus récentes d'abord.")
    link = reverse_lazy("processes:list")

    def items(self) -> list[Process]:
        return list(queries.public_processes().order_by("-published_at", "-pk")[:FEED_SIZE])

    def item_title(self, item: Process) -> str:
        return item.title

    def item_description(self, item: Process) -> str:
        return escape(item.summary)

    def item_link(self, item: Process) -> str:
        return reverse("processes:detail", args=[item.slug])

    def item_pubdate(self, item: Process) -> datetime.datetime | None:
        return item.published_at

    def item_author_name(self, item: Process) -> str:
        return item.institution.name

    def item_categories(self, item: Process) -> list[str]:
        return [item.scope_label]


class AnswersFeed(TerreauFeed):
    title = _("Terreau — réponses des institutions")
    subtitle = _("Les réponses publiées par les institutions à la fin de leurs démarches.")
    link = reverse_lazy("processes:answers")

    def items(self) -> list[InstitutionAnswer]:
        return list(
            InstitutionAnswer.objects.exclude(process__status=Process.Status.DRAFT)
            .select_related("process__institution", "process__contract")
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: InstitutionAnswer) -> str:
        return _t("Réponse : %(title)s") % {"title": item.process.title}

    def item_description(self, item: InstitutionAnswer) -> str:
        return str(render_markdown(item.body))

    def item_link(self, item: InstitutionAnswer) -> str:
        return reverse("processes:detail", args=[item.process.slug]) + "#answer-title"

    def item_guid(self, item: InstitutionAnswer) -> str:
        return f"tag:terreau,answer:{item.pk}"

    def item_guid_is_permalink(self, item: InstitutionAnswer) -> bool:
        return False

    def item_pubdate(self, item: InstitutionAnswer) -> datetime.datetime:
        return item.published_at

    def item_author_name(self, item: InstitutionAnswer) -> str:
        return item.process.institution.name


class ProcessContributionsFeed(TerreauFeed):
    """New contributions of one process, from every registered contribution source."""

    def get_object(self, request: HttpRequest, slug: str) -> Process:
        process = queries.process_for_page(slug)
        if process is None or process.status == Process.Status.DRAFT:
            raise Http404
        return process

    def title(self, obj: Process) -> str:
        return _t("Terreau — contributions : %(title)s") % {"title": obj.title}

    def subtitle(self, obj: Process) -> str:
        return _t("Les nouvelles contributions publiques de la démarche, les plus récentes d'abord.")

    def link(self, obj: Process) -> str:
        return reverse("processes:detail", args=[obj.slug])

    def author_name(self, obj: Process) -> str:
        return obj.institution.name

    def items(self, obj: Process) -> list[FeedEntry]:
        entries: list[FeedEntry] = []
        for source in contribution_sources().values():
            entries.extend(source(obj, FEED_SIZE))
        entries.sort(key=lambda e: e.published, reverse=True)
        return entries[:FEED_SIZE]

    def item_title(self, item: FeedEntry) -> str:
        return item.title

    def item_description(self, item: FeedEntry) -> str:
        return item.html or escape(item.text)

    def item_link(self, item: FeedEntry) -> str:
        return item.link

    def item_guid(self, item: FeedEntry) -> str:
        return f"tag:terreau,contribution:{item.id}"

    def item_guid_is_permalink(self, item: FeedEntry) -> bool:
        return False

    def item_pubdate(self, item: FeedEntry) -> datetime.datetime:
        return item.published

    def item_updateddate(self, item: FeedEntry) -> datetime.datetime | None:
        return item.updated

    def item_author_name(self, item: FeedEntry) -> str | None:
        return item.author or None


def feed_links() -> list[dict[str, str]]:
    """Site-wide feeds, for the open data page and <link rel="alternate">."""
    return [
        {"title": str(_("Nouvelles démarches")), "url": reverse("opendata:feed_processes")},
        {"title": str(_("Réponses des institutions")), "url": reverse("opendata:feed_answers")},
    ]
