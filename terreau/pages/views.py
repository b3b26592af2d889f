from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from terreau.pages.forms import PageForm
from terreau.pages.models import Page
from terreau.pages.services import save_page
from terreau.processes.models import ProcessModule
from terreau.processes.permissions import can_edit_process


@login_required
def edit(request, pk):
    attached = get_object_or_404(ProcessModule.objects.select_related("process"), pk=pk, module="page")
    if not can_edit_process(request.user, attached.process):
        raise Http404
    page = Page.objects.filter(attached=attached).first()
    form = PageForm(request.POST if request.method == "POST" else None, initial={"body": page.body if page else ""})
    if request.method == "POST" and form.is_valid():
        save_page(request.user, attached, form.cleaned_data["body"])
        messages.success(request, _("Page enregistrée."))
        return redirect("backoffice:modules", attached.process.slug)
    return render(
        request,
        "pages/edit.html",
        {"form": form, "attached": attached, "process": attached.process},
        status=400 if form.errors else 200,
    )
