"""Markdown for user and staff text: rendered, then sanitized with an allow-list."""

import functools
import re
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
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


_HEADING = re.compile(r"<(/?)h([1-6])>")


def render_markdown(text: str, heading_offset: int = 0) -> SafeString:
    """Render Markdown to HTML that is safe to insert in a page.

    Raw HTML in the source is escaped by nh3; only http(s) and mailto links survive,
    and links get rel="nofollow noopener ugc". `heading_offset` pushes headings down
    (## becomes <h3> with 1) for text shown under a heading of its own.
    """
    text = text or ""
    if len(text) > CACHED_MAX_CHARS:
        return _render(text, heading_offset)
    return _render_cached(text, heading_offset)


# Staff texts (process bodies, the articles of a draft law) are shown on every view and
# never change once published: the output is a pure function of the input, so the last
# few thousand renderings of texts up to 20,000 characters (80 MB at worst) are kept per
# process (the text page of a 126-section law rendered 102 bodies on every request).
CACHED_MAX_CHARS = 20_000


@functools.lru_cache(maxsize=4096)
def _render_cached(text: str, heading_offset: int) -> SafeString:
    return _render(text, heading_offset)


def _render(text: str, heading_offset: int) -> SafeString:
    html = _parser().reset().convert(text)
    if heading_offset:
        html = _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + heading_offset)}>", html)
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
