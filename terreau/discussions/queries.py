"""Reads of comments. The page, the API, exports and feeds all read through here.

Hidden comments never carry their text out of the database through these functions:
`public_comments()` and `visible_comments_for()` leave them out, and the thread page
(which shows "masqué par la modération" in their place) reads them with an empty body.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, F, Q, QuerySet, Subquery, TextField, Value, When

from terreau.discussions.models import Comment
from terreau.discussions.registry import Commentable, all_commentables, get_commentable
from terreau.moderation.models import Visibility
from terreau.processes.models import Process

PER_PAGE = 20
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_CURSOR_RE = re.compile(r"^([0-9]{1,17})-([0-9]{1,18})$")


def _with_author(qs: QuerySet[Comment]) -> QuerySet[Comment]:
    return qs.select_related("author", "author__commune")


def _unless_hidden(field: str) -> Case:
    return Case(When(status=Visibility.VISIBLE, then=F(field)), default=Value(""), output_field=TextField())


def _safe_body(qs: QuerySet[Comment]) -> QuerySet[Comment]:
    """Read hidden comments with an empty body: their text never leaves the database."""
    return qs.defer("body", "body_html").annotate(
        safe_body=_unless_hidden("body"), safe_body_html=_unless_hidden("body_html")
    )


def _materialize(qs: QuerySet[Comment]) -> list[Comment]:
    comments = list(qs)
    for comment in comments:
        comment.body = comment.safe_body
        comment.body_html = comment.safe_body_html
    return comments


def public_comments() -> QuerySet[Comment]:
    """Every comment the public may read: visible, not on a draft process, on an object its
    model declares public (comments outside any process, e.g. on petitions, are filtered by
    that alone). Oldest first. For the API, exports and feeds."""
    qs = Comment.objects.filter(status=Visibility.VISIBLE).filter(
        Q(process__isnull=True) | ~Q(process__status=Process.Status.DRAFT)
    )
    for entry in all_commentables():
        if entry.public_objects is not None:
            content_type = ContentType.objects.get_for_model(entry.model)
            qs = qs.filter(
                ~Q(content_type=content_type) | Q(object_id__in=Subquery(entry.public_objects().values("pk")))
            )
    return _with_author(qs).order_by("created_at", "id")


def visible_comments_for(obj: Any) -> QuerySet[Comment]:
    """The visible comments on one object (flat, oldest first); none if its comments are not public."""
    entry = get_commentable(obj)
    if entry is None or not entry.shows_comments(obj):
        return Comment.objects.none()
    content_type = ContentType.objects.get_for_model(obj)
    qs = Comment.objects.filter(content_type=content_type, object_id=obj.pk, status=Visibility.VISIBLE)
    return _with_author(qs).order_by("created_at", "id")


def comments_by(user) -> QuerySet[Comment]:
    """A participant's own comments (for their personal data export), hidden ones included."""
    return Comment.objects.filter(author=user).select_related("process", "institution").order_by("created_at", "id")


def comment_count(obj: Any) -> int:
    content_type = ContentType.objects.get_for_model(obj)
    return Comment.objects.filter(content_type=content_type, object_id=obj.pk).count()


# --- Cursors ---------------------------------------------------------------------------------


def make_cursor(comment: Comment) -> str:
    """An opaque, stable position: microseconds since 1970 and the id ("1764000000000000-42")."""
    micros = (comment.created_at - _EPOCH) // datetime.timedelta(microseconds=1)
    return f"{micros}-{comment.pk}"


def parse_cursor(value: str | None) -> tuple[datetime.datetime, int] | None:
    """The (created_at, id) of a cursor, or None if it is missing or malformed."""
    match = _CURSOR_RE.match((value or "").strip())
    if not match:
        return None
    try:
        when = _EPOCH + datetime.timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        return None
    if when.year > 9000:
        return None
    return when, int(match.group(2))


# --- The thread page -------------------------------------------------------------------------


@dataclass
class Node:
    comment: Comment
    replies: list[Node] = field(default_factory=list)


@dataclass
class ThreadPage:
    threads: list[Node]
    total: int
    newer_cursor: str | None  # link to newer threads (None on the first page)
    older_cursor: str | None  # link to older threads (None on the last page)
    comments: list[Comment] = field(default_factory=list)  # every comment shown, flat

    @property
    def is_first(self) -> bool:
        return self.newer_cursor is None


def roots_page(
    obj: Any, *, after: str | None = None, before: str | None = None, per_page: int = PER_PAGE
) -> tuple[list[Comment], bool, bool]:
    """A page of depth-0 comments, newest first, by keyset: (roots, has_newer, has_older).

    after: a cursor; the page starts just after it (older threads).
    before: a cursor; the page ends just before it (newer threads).
    A malformed cursor is ignored (first page). Uses the (content_type, object_id, depth,
    created_at, id) index: the cost does not grow with the page's position.
    """
    content_type = ContentType.objects.get_for_model(obj)
    base = _safe_body(_with_author(Comment.objects.filter(content_type=content_type, object_id=obj.pk, depth=0)))
    older = parse_cursor(after)
    newer = parse_cursor(before) if older is None else None
    if newer is not None:
        when, pk = newer
        qs = base.filter(Q(created_at__gte=when) & (Q(created_at__gt=when) | Q(pk__gt=pk)))
        roots = _materialize(qs.order_by("created_at", "id")[: per_page + 1])
        if len(roots) > per_page:
            roots = roots[:per_page]
            roots.reverse()
            return roots, True, True
        # Back at the top: show a full first page rather than a short one.
        older = None
    qs = base
    if older is not None:
        when, pk = older
        qs = qs.filter(Q(created_at__lte=when) & (Q(created_at__lt=when) | Q(pk__lt=pk)))
    roots = _materialize(qs.order_by("-created_at", "-id")[: per_page + 1])
    has_older = len(roots) > per_page
    return roots[:per_page], older is not None, has_older


def replies_of(root_ids: list[int]) -> list[Comment]:
    """Every reply of these threads, oldest first, in one query."""
    if not root_ids:
        return []
    qs = _safe_body(_with_author(Comment.objects.filter(thread_id__in=root_ids)))
    return _materialize(qs.order_by("created_at", "id"))


def build_threads(roots: list[Comment], replies: list[Comment]) -> list[Node]:
    nodes = {c.pk: Node(c) for c in roots}
    for reply in replies:
        nodes[reply.pk] = Node(reply)
    for reply in replies:
        parent = nodes.get(reply.parent_id)
        if parent is not None:
            parent.replies.append(nodes[reply.pk])
    return [nodes[c.pk] for c in roots]


def thread_page(
    obj: Any, *, after: str | None = None, before: str | None = None, per_page: int = PER_PAGE
) -> ThreadPage:
    """The page of threads shown under an object: three queries whatever the page."""
    entry = get_commentable(obj)
    if entry is None or not entry.shows_comments(obj):
        return ThreadPage([], 0, None, None)
    roots, has_newer, has_older = roots_page(obj, after=after, before=before, per_page=per_page)
    replies = replies_of([c.pk for c in roots])
    return ThreadPage(
        threads=build_threads(roots, replies),
        total=comment_count(obj),
        newer_cursor=make_cursor(roots[0]) if roots and has_newer else None,
        older_cursor=make_cursor(roots[-1]) if roots and has_older else None,
        comments=[*roots, *replies],
    )


def single_thread(root: Comment) -> Node:
    """One thread (a depth-0 comment and all its replies), e.g. after a reply."""
    roots = _materialize(_safe_body(_with_author(Comment.objects.filter(pk=root.pk))))
    replies = replies_of([root.pk])
    return build_threads(roots, replies)[0]


def single_comment(pk: int) -> Comment | None:
    found = _materialize(_safe_body(_with_author(Comment.objects.filter(pk=pk))))
    return found[0] if found else None


def commentable_target(comment: Comment) -> tuple[Any, Commentable | None]:
    """The object a comment is about, and its registry entry."""
    model = comment.content_type.model_class()
    entry = get_commentable(model) if model else None
    if entry is None:
        return None, None
    return model._default_manager.filter(pk=comment.object_id).first(), entry
