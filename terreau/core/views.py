from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

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
