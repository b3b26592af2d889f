from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terreau.accounts import services
from terreau.accounts.forms import DeleteAccountForm, ProfileForm
from terreau.accounts.models import ORGANISATION_KINDS
from terreau.territories.forms import picker_redisplay, picker_search_requested


@login_required
def profile(request):
    user = request.user
    initial = {"display_name": user.display_name, "kind": user.kind, "commune": user.commune}
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if picker_search_requested(request):
        picker_redisplay(form)
    elif request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Profil enregistré."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def my_data(request):
    return render(request, "accounts/my_data.html")


@login_required
def my_data_download(request):
    response = HttpResponse(services.export_personal_data(request.user), content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="terreau-mes-donnees-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.delete_account(request.user)
        logout(request)
        messages.success(request, _("Votre compte a été supprimé."))
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def mfa_required(request):
    return render(request, "accounts/mfa_required.html")


@login_required
def organisations(request):
    if not request.user.is_staff:
        raise Http404
    show = request.GET.get("show", "pending")
    qs = get_user_model().objects.filter(kind__in=ORGANISATION_KINDS, is_active=True, deleted_at=None)
    qs = qs.filter(organisation_verified_at__isnull=(show != "verified")).order_by("date_joined")
    page_obj = Paginator(qs.select_related("commune"), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/organisations.html", {"page_obj": page_obj, "show": show})


@login_required
@require_POST
def organisation_verify(request, pk):
    if not request.user.is_staff:
        raise Http404
    user = get_object_or_404(get_user_model(), pk=pk, deleted_at=None)
    try:
        if request.POST.get("action") == "revoke":
            services.revoke_organisation(request.user, user)
            messages.success(request, _("Badge retiré à %(name)s.") % {"name": user.public_name})
        else:
            services.verify_organisation(request.user, user)
            messages.success(
                request, _("%(name)s est maintenant une organisation vérifiée.") % {"name": user.public_name}
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:organisations")
