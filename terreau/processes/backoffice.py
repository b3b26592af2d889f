"""The staff back-office ("Espace institution"): thin views over processes.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terreau.processes import queries, services
from terreau.processes.forms import (
    AnswerForm,
    ContractForm,
    InstitutionForm,
    MemberForm,
    ModuleAttachForm,
    PhaseForm,
    ProcessForm,
)
from terreau.processes.models import Institution, Membership, ParticipationContract, Phase, Process, ProcessModule
from terreau.processes.modules import registry
from terreau.processes.permissions import (
    can_edit_process,
    can_manage_institution,
    can_view_process,
    is_platform_admin,
    roles_in,
)
from terreau.territories.forms import picker_redisplay, picker_search_requested


def _institution_for_member(request, slug: str) -> Institution:
    institution = get_object_or_404(Institution, slug=slug)
    if not (is_platform_admin(request.user) or roles_in(request.user, institution)):
        raise Http404
    return institution


def _process_for_member(request, slug: str, edit: bool = True) -> Process:
    process = get_object_or_404(Process.objects.select_related("institution"), slug=slug)
    allowed = can_edit_process(request.user, process) if edit else can_view_process(request.user, process)
    if not allowed or not (is_platform_admin(request.user) or roles_in(request.user, process.institution)):
        raise Http404
    return process


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def dashboard(request):
    institutions = queries.institutions_of(request.user)
    if not institutions.exists() and not is_platform_admin(request.user) and not request.user.is_staff:
        raise Http404
    return render(
        request,
        "processes/backoffice/dashboard.html",
        {"institutions": institutions, "is_platform_admin": is_platform_admin(request.user)},
    )


@login_required
def institution_create(request):
    if not is_platform_admin(request.user):
        raise Http404
    form = InstitutionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.create_institution(request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Institution créée. Ajoutez maintenant ses membres."))
            return redirect("backoffice:institution", institution.slug)
    return render(request, "processes/backoffice/institution_form.html", {"form": form})


def _institution_context(request, institution: Institution, member_form: MemberForm) -> dict:
    return {
        "institution": institution,
        "processes": queries.backoffice_processes(institution),
        "members": queries.members_of(institution),
        "member_form": member_form,
        "can_manage": can_manage_institution(request.user, institution),
        "my_roles": roles_in(request.user, institution),
    }


@login_required
def institution(request, slug):
    institution = _institution_for_member(request, slug)
    return render(
        request,
        "processes/backoffice/institution.html",
        _institution_context(request, institution, MemberForm()),
    )


@login_required
@require_POST
def member_add(request, slug):
    institution = _institution_for_member(request, slug)
    form = MemberForm(request.POST)
    if form.is_valid():
        services.add_member(request.user, institution, form.user, form.cleaned_data["role"])
        messages.success(request, _("Membre ajouté."))
        return redirect("backoffice:institution", institution.slug)
    return render(
        request,
        "processes/backoffice/institution.html",
        _institution_context(request, institution, form),
        status=400,
    )


@login_required
@require_POST
def member_remove(request, pk):
    membership = get_object_or_404(Membership.objects.select_related("institution"), pk=pk)
    _institution_for_member(request, membership.institution.slug)
    try:
        services.remove_member(request.user, membership)
        messages.success(request, _("Membre retiré."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("backoffice:institution", membership.institution.slug)


@login_required
def process_create(request, slug):
    institution = _institution_for_member(request, slug)
    if not can_manage_institution(request.user, institution):
        raise Http404
    form = ProcessForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if picker_search_requested(request):
        picker_redisplay(form)
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("remove_image", None)
        image = data.pop("image", None)
        try:
            process = services.create_process(request.user, institution, image=image, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Brouillon créé. Remplissez maintenant les engagements de la démarche."))
            return redirect("backoffice:contract", process.slug)
    return render(request, "processes/backoffice/process_form.html", {"form": form, "institution": institution})


@login_required
def process(request, slug):
    process = _process_for_member(request, slug, edit=False)
    return render(
        request,
        "processes/backoffice/process.html",
        {
            "process": process,
            "problems": services.publication_problems(process),
            "can_edit": can_edit_process(request.user, process),
            "answer_status": queries.answer_status(process),
            "phases": process.phases.all(),
            "modules": process.modules.all(),
        },
    )


@login_required
def process_edit(request, slug):
    process = _process_for_member(request, slug)
    form = ProcessForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        instance=Process.objects.get(pk=process.pk),
    )
    if picker_search_requested(request):
        picker_redisplay(form)
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        remove_image = data.pop("remove_image", False)
        uploaded = data.pop("image", None)
        image = uploaded if "image" in request.FILES else None  # else: the current file
        try:
            services.update_process(request.user, process, image=image, remove_image=remove_image, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Démarche enregistrée."))
            return redirect("backoffice:process", process.slug)
    return render(
        request,
        "processes/backoffice/process_form.html",
        {"form": form, "institution": process.institution, "process": process},
    )


@login_required
def contract(request, slug):
    process = _process_for_member(request, slug)
    instance = ParticipationContract.objects.filter(process=process).first()
    form = ContractForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_contract(request.user, process, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Engagements enregistrés."))
            return (
                redirect("backoffice:phases", process.slug)
                if not process.phases.exists()
                else redirect("backoffice:process", process.slug)
            )
    return render(request, "processes/backoffice/contract_form.html", {"form": form, "process": process})


@login_required
def phases(request, slug, pk=None):
    process = _process_for_member(request, slug)
    phase = get_object_or_404(Phase, pk=pk, process=process) if pk else None
    form = PhaseForm(request.POST if request.method == "POST" else None, instance=phase)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_phase(request.user, process, phase, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Étape enregistrée."))
            return redirect("backoffice:phases", process.slug)
    return render(
        request,
        "processes/backoffice/phases.html",
        {"process": process, "phases": process.phases.all(), "form": form, "editing": phase},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def phase_delete(request, slug, pk):
    process = _process_for_member(request, slug)
    try:
        services.delete_phase(request.user, get_object_or_404(Phase, pk=pk, process=process))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Étape supprimée."))
    return redirect("backoffice:phases", process.slug)


@login_required
def modules(request, slug):
    process = _process_for_member(request, slug)
    form = ModuleAttachForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attach_module(request.user, process, form.cleaned_data["module"], form.cleaned_data["title"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Module ajouté."))
            return redirect("backoffice:modules", process.slug)
    attached = [(m, registry.get(m.module)) for m in process.modules.all()]
    return render(
        request,
        "processes/backoffice/modules.html",
        {
            "process": process,
            "attached": attached,
            "phases": list(process.phases.all()),
            "form": form,
            "available": registry.all(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def module_settings(request, slug, pk):
    process = _process_for_member(request, slug)
    attached = get_object_or_404(ProcessModule, pk=pk, process=process)
    manifest = registry.get(attached.module)
    values: dict[int, dict[str, bool]] = {}
    for phase in process.phases.all():
        values[phase.pk] = {
            s.name: request.POST.get(f"p{phase.pk}-{s.name}") == "on"
            for s in (manifest.phase_settings if manifest else ())
        }
    services.update_module_settings(request.user, attached, values)
    messages.success(request, _("Réglages du module enregistrés."))
    return redirect("backoffice:modules", process.slug)


@login_required
@require_POST
def module_remove(request, slug, pk):
    process = _process_for_member(request, slug)
    services.detach_module(request.user, get_object_or_404(ProcessModule, pk=pk, process=process))
    messages.success(request, _("Module retiré."))
    return redirect("backoffice:modules", process.slug)


def _state_change(request, slug, action, success_message):
    process = _process_for_member(request, slug)
    try:
        action(request.user, process)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("backoffice:process", process.slug)
    messages.success(request, success_message)
    return None


@login_required
@require_POST
def process_publish(request, slug):
    return _state_change(request, slug, services.publish_process, _("Démarche publiée.")) or redirect(
        "processes:detail", slug
    )


@login_required
@require_POST
def process_archive(request, slug):
    return _state_change(request, slug, services.archive_process, _("Démarche archivée.")) or redirect(
        "backoffice:process", slug
    )


@login_required
@require_POST
def process_delete(request, slug):
    process = _process_for_member(request, slug)
    institution_slug = process.institution.slug
    return _state_change(request, slug, services.delete_draft, _("Brouillon supprimé.")) or redirect(
        "backoffice:institution", institution_slug
    )


@login_required
def answer(request, slug):
    process = _process_for_member(request, slug)
    if hasattr(process, "answer"):
        messages.info(request, _("La réponse est déjà publiée."))
        return redirect("processes:detail", process.slug)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_answer(request.user, process, form.cleaned_data["body"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Réponse publiée."))
            return redirect("processes:detail", process.slug)
    return render(
        request,
        "processes/backoffice/answer_form.html",
        {"form": form, "process": process, "answer_status": queries.answer_status(process)},
        status=400 if form.errors else 200,
    )
