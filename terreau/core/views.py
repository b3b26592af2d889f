from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import LANGUAGE_QUERY_PARAMETER

from terreau.processes import queries
from terreau.processes.forms import ProcessSearchForm


def home(request):
    late, due, _published = queries.answer_tracker(published_limit=0)
    return render(
        request,
        "core/home.html",
        {
            "open_processes": queries.open_processes(limit=6),
            "late": late[:5],
            "due": due[:5],
            "record": queries.answer_record(),
            "search_form": ProcessSearchForm(),
        },
    )


@never_cache
def health(request):
    """Liveness and database check; says nothing else about the server."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)


def credits(request):
    return render(request, "core/credits.html")


@never_cache
@require_GET
def switch_language(request: HttpRequest) -> HttpResponse:
    """Set the language cookie from a GET form and go back to `next` (a path of this site).

    GET on purpose: the language form then needs no CSRF token, so that pages for anonymous
    readers carry nothing per visitor and can be cached by a shared cache. What a forged
    cross-site request can do here is switch a visitor's interface language, which they see
    and can switch back; it changes no data. See docs/architecture.md, "Cacheable pages".
    """
    next_url = request.GET.get("next", "")
    local = next_url.startswith("/") and not next_url.startswith(("//", "/\\"))
    if not local or not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    code = request.GET.get(LANGUAGE_QUERY_PARAMETER, "")
    if code and check_for_language(code) and code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
