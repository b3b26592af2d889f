from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from terreau.territories.forms import RESULTS_LIMIT, SAFE_NAME, picker_context, picker_status, search_with_more
from terreau.territories.queries import MAX_QUERY_LENGTH

PAGE_LIMIT = 50
RESULTS_TARGET = "commune-results"


def commune_list(request: HttpRequest) -> HttpResponse:
    """Public commune search; the htmx-enhanced search box asks for the results part only."""
    q = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    communes, more = search_with_more(q, PAGE_LIMIT)
    context = {"q": q, "communes": communes, "status": picker_status(q, len(communes), more)}
    partial = request.htmx and request.htmx.target == RESULTS_TARGET
    template = "territories/includes/commune_results.html" if partial else "territories/commune_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def commune_options(request: HttpRequest) -> HttpResponse:
    """The radio list of a CommuneField picker (htmx fragment, with an out-of-band status)."""
    name = request.GET.get("field", "")
    base_id = request.GET.get("id", "")
    if not (SAFE_NAME.fullmatch(name) and SAFE_NAME.fullmatch(base_id)):
        return HttpResponseBadRequest("Invalid picker.")
    picker = picker_context(
        name=name,
        base_id=base_id,
        query=request.GET.get(f"{name}_q", ""),
        code=request.GET.get(name, ""),
        required=request.GET.get("required") == "1",
        limit=_int(request.GET.get("limit"), RESULTS_LIMIT),
    )
    return render(request, "territories/widgets/commune_options_response.html", {"picker": picker})


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default
