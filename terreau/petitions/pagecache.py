"""Whole-page cache of petition pages for anonymous readers (read storms).

What broke the UK petitions service in March 2019 was not signing but tens of thousands of
people reloading the page to watch the count. An anonymous visitor without a session (no
session cookie, no flash message, no query string) gets the page from one cache read: no
database query, no template rendering. The page is stored for `PAGE_TTL` seconds with the
CSRF token of the language form replaced by a placeholder, and each response gets the
visitor's own token back (`get_token()`, so the CSRF cookie is set as usual). Signed-in
users, visitors with a session and every non-GET request take the normal path.

Staleness: the count in the page is at most `queries.COUNT_TTL` old when the page is
rendered, and the page at most `PAGE_TTL` old when served; services invalidate the page
at once on state changes (publication, answer, closing, escalation, hiding).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

PAGE_TTL = 10  # seconds; added to the fragment and count TTLs of the view (see docs/petitions.md)
PLACEHOLDER = "__terreau_csrf_placeholder__"
_TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_KEPT_HEADERS = ("Content-Type", "Cache-Control", "Content-Language")


def page_key(slug: str, language: str) -> str:
    return f"petitions:html:{slug}:{language}"


def invalidate(slug: str) -> None:
    cache.delete_many([page_key(slug, code) for code, _name in settings.LANGUAGES])


def cacheable(request: HttpRequest) -> bool:
    """A GET without query string from a visitor who has no session and no pending message."""
    return (
        request.method == "GET"
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
        and not request.headers.get("HX-Request")
    )


def _store(key: str, response: HttpResponse) -> None:
    content = response.content.decode(response.charset)
    tokens = set(_TOKEN_RE.findall(content))
    for token in tokens:
        content = content.replace(f'value="{token}"', f'value="{PLACEHOLDER}"')
    headers = {name: response[name] for name in _KEPT_HEADERS if name in response}
    cache.set(key, (content, headers), PAGE_TTL)


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view(request, slug)` from the cache for anonymous readers (see the module doc)."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        if not cacheable(request):
            return view(request, slug, *args, **kwargs)
        key = page_key(slug, translation.get_language())
        entry = cache.get(key)
        if entry is None:
            response = view(request, slug, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                _store(key, response)
            return response
        content, headers = entry
        if PLACEHOLDER in content:
            content = content.replace(PLACEHOLDER, get_token(request))
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response

    return wrapper
