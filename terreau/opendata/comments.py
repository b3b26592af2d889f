"""Comments of the discussions app in each process's contribution feed.

Read through terreau.discussions.queries.public_comments(): visible comments on public
objects of non-draft processes only. Authors appear by their kind, never by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.text import Truncator
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from terreau.opendata.feeds import FeedEntry
    from terreau.processes.models import Process

TITLE_WORDS = 12
_MARKUP = re.compile(r"[*_`#>\[\]]+|\s+")


def feed_entries(process: Process, limit: int) -> Iterator[FeedEntry]:
    from terreau.discussions.queries import public_comments
    from terreau.opendata.feeds import FeedEntry

    comments = (
        public_comments()
        .filter(process=process)
        .select_related("content_type")
        .prefetch_related("target")
        .order_by("-created_at", "-id")[:limit]
    )
    for comment in comments:
        author = comment.author
        kind = "" if getattr(author, "deleted_at", None) else str(author.get_kind_display())
        excerpt = Truncator(_MARKUP.sub(" ", comment.body).strip()).words(TITLE_WORDS)
        yield FeedEntry(
            id=f"comment-{comment.pk}",
            title=_("Commentaire : %(excerpt)s") % {"excerpt": excerpt},
            published=comment.created_at,
            updated=comment.edited_at,
            link=comment.get_absolute_url(),
            html=str(comment.html),
            author=kind or _("Participant·e"),
        )
