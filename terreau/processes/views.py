from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from terreau.processes import queries
from terreau.processes.forms import ProcessSearchForm
from terreau.processes.models import Institution
from terreau.processes.modules import registry
from terreau.processes.permissions import can_edit_process, can_view_process

PAGE_SIZE = 12


def _page(request, items, size=PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


def process_list(request):
    form = ProcessSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    processes = queries.search_processes(
        q=data.get("q", ""), status=data.get("status", ""), level=data.get("level", "")
    )
    return render(request, "processes/process_list.html", {"form": form, "page_obj": _page(request, processes)})


def process_detail(request, slug):
    process = queries.process_for_page(slug)
    if process is None or not can_view_process(request.user, process):
        raise Http404(_("Démarche introuvable."))
    blocks = []
    for attached in process.modules.all():
        manifest = registry.get(attached.module)
        if manifest and manifest.render_public:
            blocks.append((attached, manifest.render_public(request, attached)))
    return render(
        request,
        "processes/process_detail.html",
        {
            "process": process,
            "phases": list(process.phases.all()),
            "current_phase": process.current_phase(),
            "answer_status": queries.answer_status(process),
            "module_blocks": blocks,
            "can_edit": can_edit_process(request.user, process),
        },
    )


def answers(request):
    late, due, published = queries.answer_tracker()
    return render(
        request,
        "processes/answers.html",
        {"late": late, "due": due, "published": published, "record": queries.answer_record()},
    )


def institution_list(request):
    return render(
        request, "processes/institution_list.html", {"page_obj": _page(request, queries.institutions_with_counts(), 24)}
    )


def institution_detail(request, slug):
    institution = get_object_or_404(Institution, slug=slug)
    processes = queries.search_processes(institution=institution)
    return render(
        request,
        "processes/institution_detail.html",
        {"institution": institution, "page_obj": _page(request, processes)},
    )
