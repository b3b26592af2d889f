from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from terreau.audit import queries


@require_safe
def audit_log(request):
    head = queries.current_head()
    page_obj, events = queries.events_page(head, request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {
            "head": head,
            "verification": queries.page_verification(head),
            "kinds": queries.counts_by_kind(),
            "page_obj": page_obj,
            "events": events,
            "window": queries.PAGE_VERIFY_WINDOW,
            "export_max": queries.EXPORT_MAX,
        },
    )


@require_safe
@never_cache
def head_json(request):
    return JsonResponse(queries.current_head().as_json())


def _int_param(request, name: str, default: int, low: int, high: int) -> int | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or len(raw) > 18:
        return None
    value = int(raw)
    return value if low <= value <= high else None


@require_safe
def events_json(request):
    """Events after a sequence number, oldest first, with every hashed field."""
    after = _int_param(request, "after", 0, 0, 10**18)
    limit = _int_param(request, "limit", queries.EXPORT_MAX, 1, queries.EXPORT_MAX)
    if after is None or limit is None:
        message = _("Paramètres attendus : after (entier ≥ 0) et limit (entier de 1 à %(max)s).") % {
            "max": queries.EXPORT_MAX
        }
        return JsonResponse({"error": message}, status=400)
    events = queries.events_after(after, limit)
    return JsonResponse(
        {
            "head": queries.current_head().as_json(),
            "events": events,
            "next_after": events[-1]["sequence"] if len(events) == limit else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )
