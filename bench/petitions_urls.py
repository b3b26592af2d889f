"""The project's URLs plus the baseline view of the petition benchmarks (never deployed).

The baseline is the least a Django view can do for a signature: the same middleware (CSRF,
sessions, locale...), a form-encoded POST, one INSERT ... ON CONFLICT DO NOTHING into a
bench table with a unique email, and a 303 redirect.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from terreau.config.urls import urlpatterns as project_urlpatterns

BASELINE_TABLE = "bench_baseline_signature"


@require_POST
def baseline_insert(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:100]
    email = request.POST.get("email", "").strip().lower()[:254]
    if not name or "@" not in email:
        return HttpResponseBadRequest("name and email required")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (name, email, created_at) VALUES (%s, %s, now()) "
            "ON CONFLICT (email) DO NOTHING",
            [name, email],
        )
    return HttpResponseRedirect("/bench/baseline/merci/")


urlpatterns = [path("bench/baseline/", baseline_insert), *project_urlpatterns]
