"""Comments of a process, read through terreau.discussions.queries.public_comments().

Hidden comments are left out (their text never leaves the database); a reply keeps its
`parent_id` even when that parent is hidden. Authors are shown by their kind only
(citizen, association…), never by name: the API republishes in bulk, so no personal data.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from terreau.accounts.models import ParticipantKind
from terreau.api.pagination import paginate
from terreau.api.schemas import ERRORS, PageOut, PageParams
from terreau.discussions.models import Comment
from terreau.discussions.queries import public_comments
from terreau.processes.api import SlugPath, public_process_or_404

router = Router(tags=["Comments"])


class CommentTargetOut(Schema):
    type: str = Field(..., description="What the comment is about, as app_label.model.", examples=["processes.process"])
    id: int = Field(..., examples=[12])


class CommentOut(Schema):
    id: int = Field(..., examples=[42])
    target: CommentTargetOut
    parent_id: int | None = Field(None, description="The comment this one answers (it may be hidden).")
    thread_id: int | None = Field(None, description="The first comment of the thread, for replies.")
    depth: int = Field(..., description="0 for a comment, 1 or 2 for replies.", examples=[0])
    author_kind: Literal[tuple(ParticipantKind.values)] | None = Field(  # type: ignore[valid-type]
        None, description="The author's kind; null for a deleted account.", examples=["citizen"]
    )
    author_kind_label: str | None = Field(None, examples=["Citoyen·ne"])
    body: str = Field(..., description="Markdown source.")
    body_html: str = Field(..., description="Rendered and sanitized HTML.")
    created_at: datetime.datetime
    edited_at: datetime.datetime | None = None
    url: str = Field(..., description="The comment on the site.")


class CommentPage(PageOut):
    results: list[CommentOut]


def comment_out(request: HttpRequest, comment: Comment) -> dict[str, Any]:
    author = comment.author
    deleted = bool(getattr(author, "deleted_at", None))
    return {
        "id": comment.pk,
        "target": {"type": comment.content_type.app_label + "." + comment.content_type.model, "id": comment.object_id},
        "parent_id": comment.parent_id,
        "thread_id": comment.thread_id,
        "depth": comment.depth,
        "author_kind": None if deleted else author.kind,
        "author_kind_label": None if deleted else str(author.get_kind_display()),
        "body": comment.body,
        "body_html": str(comment.html),
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "url": request.build_absolute_uri(comment.get_absolute_url()),
    }


@router.get("/processes/{slug}/comments", response={200: CommentPage, **ERRORS})
def list_comments(request: HttpRequest, page: Query[PageParams], slug: str = SlugPath) -> dict[str, Any]:
    """The public comments of a process and of its modules' content, oldest first; hidden ones left out."""
    process = public_process_or_404(slug)
    comments = public_comments().filter(process=process).select_related("content_type").prefetch_related("target")
    return paginate(request, comments, page, transform=lambda c: comment_out(request, c))
