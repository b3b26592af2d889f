"""Petition types (thresholds) in the institution's back-office ("Espace institution").

Thin views over services.create_petition_type / update_petition_type. Only the
institution's admins (and platform admins) reach these pages; everyone else gets 404,
as in the rest of the back-office.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from terreau.petitions import services
from terreau.petitions.forms import PetitionTypeForm
from terreau.petitions.models import Petition, PetitionType
from terreau.processes.models import Institution


def _institution_for_admin(request: HttpRequest, slug: str) -> Institution:
    institution = get_object_or_404(Institution, slug=slug)
    if not services.can_edit_petition_types(request.user, institution):
        raise Http404
    return institution


def _apply_errors(form: PetitionTypeForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def type_list(request: HttpRequest, slug: str) -> HttpResponse:
    institution = _institution_for_admin(request, slug)
    kinds = list(PetitionType.objects.filter(institution=institution).order_by("answer_threshold", "name"))
    in_use = set(Petition.objects.filter(petition_type__in=kinds).values_list("petition_type_id", flat=True).distinct())
    for kind in kinds:
        kind.in_use = kind.pk in in_use
    return render(request, "petitions/backoffice/types.html", {"institution": institution, "kinds": kinds})


@login_required
@require_http_methods(["GET", "POST"])
def type_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    institution = _institution_for_admin(request, slug)
    kind = get_object_or_404(PetitionType, pk=pk, institution=institution) if pk is not None else None
    initial = {f: getattr(kind, f) for f in services.PETITION_TYPE_FIELDS} if kind else {"answer_days": 90}
    form = PetitionTypeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if kind is None:
                services.create_petition_type(request.user, institution, **form.cleaned_data)
                messages.success(request, _("Type de pétition créé."))
            else:
                services.update_petition_type(request.user, kind, **form.cleaned_data)
                messages.success(request, _("Type de pétition enregistré."))
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("petitions_backoffice:types", institution.slug)
    return render(
        request,
        "petitions/backoffice/type_form.html",
        {"institution": institution, "kind": kind, "form": form},
        status=400 if form.errors else 200,
    )
