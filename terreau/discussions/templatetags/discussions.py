from typing import Any

from django import template
from django.utils.safestring import SafeString

from terreau.discussions.registry import get_commentable

register = template.Library()


@register.simple_tag(takes_context=True)
def comments_block(context, target: Any) -> SafeString | str:
    """The comments of `target` (any registered commentable object), with the form to post one."""
    from django.template.loader import render_to_string

    from terreau.discussions.views import block_context

    request = context.get("request")
    entry = get_commentable(target) if target is not None else None
    if request is None or entry is None or not entry.shows_comments(target):
        return ""
    ctx = block_context(
        request,
        target,
        entry,
        after=request.GET.get("comments_after"),
        before=request.GET.get("comments_before"),
    )
    return render_to_string("discussions/_comments.html", ctx, request=request)


@register.simple_tag(takes_context=True)
def comments_query(context, **kwargs) -> str:
    """The current query string with the comments cursor replaced (other parameters kept)."""
    params = context["request"].GET.copy()
    for name in ("comments_after", "comments_before"):
        params.pop(name, None)
    for key, value in kwargs.items():
        if value:
            params[key] = value
    return params.urlencode()
