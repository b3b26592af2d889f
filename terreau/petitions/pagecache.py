"""Whole-page cache of petition pages for anonymous readers (read storms).

What broke the UK petitions service in March 2019 was not signing but tens of thousands of
people reloading the page to watch the count. Two layers serve those readers:

- a shared HTTP cache in front of Django (the nginx configuration in `deploy/`): the page
  for an anonymous visitor carries nothing per visitor (no CSRF token: the signing form is
  on its own page and the language form is a GET), sets no cookie, and is sent with
  `Cache-Control: public, max-age=BROWSER_TTL, s-maxage=PROXY_TTL`;
- this module, for deployments without such a proxy: a GET without query string from a
  visitor who has no session and no pending message gets the page from one cache read (no
  database query, no template rendering), stored `PAGE_TTL` seconds.

Signed-in users, visitors with a session or a flash message, query strings and every
non-GET request take the normal path and get a private page.

Staleness of the count shown to an anonymous reader, worst case: `queries.COUNT_TTL` (count)
+ `views.PAGE_TTL` (page fragment) + `PAGE_TTL` (this cache) + `PROXY_TTL` (shared cache)
+ `BROWSER_TTL` (the browser, counted in full because nginx sends no `Age` header)
= 10 + 15 + 10 + 10 + 10 = 55 s, under the 60 s budget. Services invalidate this cache at
once on state changes (publication, answer, closing, escalation, hiding); the shared cache
follows within `PROXY_TTL`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

PAGE_TTL = 10  # seconds, this cache
PROXY_TTL = 10  # seconds, s-maxage for a shared cache
BROWSER_TTL = 10  # seconds, max-age
_KEPT_HEADERS = ("Content-Type", "Content-Language")
_VARY = ("Accept-Language", "Cookie")


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


def is_shareable(response: HttpResponse) -> bool:
    """The same for every anonymous visitor: a 200 page with no cookie and no CSRF token."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and b"csrfmiddlewaretoken" not in response.content
    )


def make_public(response: HttpResponse) -> HttpResponse:
    response.headers.pop("Cache-Control", None)
    patch_cache_control(response, public=True, max_age=BROWSER_TTL, s_maxage=PROXY_TTL)
    patch_vary_headers(response, _VARY)
    return response


def make_private(response: HttpResponse, *, no_cache: bool = False) -> HttpResponse:
    response.headers.pop("Cache-Control", None)
    if no_cache:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, private=True, max_age=BROWSER_TTL)
    patch_vary_headers(response, _VARY)
    return response


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view(request, slug)` from the cache for anonymous readers (see the module doc).

    The view marks the pages that any anonymous visitor may share with the attribute
    `shareable = True` on the response; only those are stored and made public.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        if not cacheable(request):
            response = view(request, slug, *args, **kwargs)
            if getattr(response, "shareable", False):
                make_private(response)
            return response
        key = page_key(slug, translation.get_language())
        entry = cache.get(key)
        if entry is None:
            response = view(request, slug, *args, **kwargs)
            if getattr(response, "shareable", False) and is_shareable(response):
                headers = {name: response[name] for name in _KEPT_HEADERS if name in response}
                cache.set(key, (response.content, headers), PAGE_TTL)
                make_public(response)
            elif getattr(response, "shareable", False):
                make_private(response)
            return response
        content, headers = entry
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return make_public(response)

    return wrapper
