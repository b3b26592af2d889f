"""Response middleware of the core app."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static

# An htmx attribute in markup (`hx-get="…"`, `hx-trigger=…`). Escaped user text such as
# "hx-get=&quot;" may match too: that only loads the library on one more page.
HTMX_ATTRIBUTE = re.compile(rb"\shx-[a-z-]+=")
HTMX_PATH = "terreau/js/htmx.min.js"


class HtmxOnDemandMiddleware:
    """Load htmx (51 KB) only on pages whose markup uses it.

    Most pages (reading a text, a petition, a synthesis) have no htmx attribute; they work
    the same without the library, so it is not sent to them. Deciding on the rendered HTML
    keeps the rule in one place: a template, an include or a form widget that starts using
    htmx gets the script without anyone having to remember it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or request.headers.get("HX-Request")
        ):
            return response
        content = response.content
        head_end = content.find(b"</head>")
        if head_end < 0 or not HTMX_ATTRIBUTE.search(content, head_end):
            return response
        script = f'<script src="{static(HTMX_PATH)}" defer></script>\n'.encode()
        if script.strip() in content[:head_end]:
            return response
        response.content = content[:head_end] + script + content[head_end:]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
