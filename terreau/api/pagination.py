"""Limit/offset pagination with hard bounds, shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from terreau.api.schemas import PageParams


def page_bounds(params: PageParams) -> tuple[int, int]:
    """(offset, limit) from the validated parameters; `page`, when given, replaces `offset`."""
    offset = (params.page - 1) * params.limit if params.page is not None else (params.offset or 0)
    return offset, params.limit


def _page_url(request: HttpRequest, offset: int, limit: int) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query["offset"] = str(offset)
    query["limit"] = str(limit)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(
    request: HttpRequest,
    items: QuerySet | Sequence[Any],
    params: PageParams,
    *,
    transform: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """One page of `items` in the envelope described by `PageOut`.

    `transform` turns each item of the page into what the response schema expects.
    """
    offset, limit = page_bounds(params)
    count = items.count() if isinstance(items, QuerySet) else len(items)
    page = list(items[offset : offset + limit]) if offset < count else []
    if transform is not None:
        page = [transform(item) for item in page]
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": _page_url(request, offset + limit, limit) if offset + limit < count else None,
        "previous": _page_url(request, max(0, min(offset, count) - limit), limit) if offset > 0 else None,
        "results": page,
    }
