"""Markdown for user and staff text: rendered, then sanitized with an allow-list."""

import threading

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML that is safe to insert in a page.

    Raw HTML in the source is escaped by nh3; only http(s) and mailto links survive,
    and links get rel="nofollow noopener ugc".
    """
    html = _parser().reset().convert(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
    return mark_safe(clean)  # noqa: S308 - sanitized just above


_local = threading.local()


def _parser() -> md.Markdown:
    """One Markdown parser per thread: building one costs more than converting a comment."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = md.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    return parser
