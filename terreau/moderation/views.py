"""Thin views over moderation.services and moderation.queries.

Staff pages answer 404 to anyone who does not moderate the institution, so that other
institutions' queues are not revealed.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from terreau.moderation import queries, services
from terreau.moderation.forms import BlockForm, HideForm, NoteForm, ReportForm
from terreau.moderation.models import Block, Decision, DecisionAction, Reason, Visibility
from terreau.moderation.permissions import can_moderate
from terreau.moderation.registry import Reportable, all_reportables, get_reportable
from terreau.processes.models import Institution

QUEUE_PAGE_SIZE = 20
LOG_PAGE_SIZE = 50
VIEWS = ("signalements", "masques", "blocages")


def _staff_mfa(view):
    """Moderators reach these pages with TOTP enabled, like the back-office (StaffMFAMiddleware)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if getattr(settings, "TERREAU_STAFF_MFA_REQUIRED", True):
            from allauth.mfa.models import Authenticator

            from terreau.processes.permissions import has_staff_role

            if (
                has_staff_role(request.user)
                and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
            ):
                return redirect(reverse("accounts:mfa_required"))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _institution_for_moderator(request: HttpRequest, slug: str) -> Institution:
    institution = get_object_or_404(Institution, slug=slug)
    if not can_moderate(request.user, institution):
        raise Http404
    return institution


def _object_or_404(app_label: str, model: str, pk: int) -> tuple[Any, Reportable]:
    reportable = get_reportable(f"{app_label}.{model}")
    if reportable is None:
        raise Http404
    obj = reportable.model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj, reportable


def _item_or_404(request: HttpRequest, slug: str, app_label: str, model: str, pk: int):
    """The item, for its institution's moderators or for whoever its registration names
    (a petition's author for the comments on it); 404 for everyone else."""
    institution = get_object_or_404(Institution, slug=slug)
    obj, reportable = _object_or_404(app_label, model, pk)
    if reportable.get_institution(obj).pk != institution.pk:
        raise Http404
    if not services.may_decide(request.user, obj, institution):
        raise Http404
    return institution, obj, reportable


def _next_or(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return exc.messages


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _hide_form(item, data=None) -> HideForm:
    return HideForm(data, auto_id=f"masquer-{item.dom_id}-%s")


# --- Reporting (any participant) ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, app_label: str, model: str, pk: int) -> HttpResponse:
    obj, reportable = _object_or_404(app_label, model, pk)
    if obj.status != Visibility.VISIBLE or not reportable.is_public(obj):
        raise Http404
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report(request.user, obj, reason=form.cleaned_data["reason"], details=form.cleaned_data["details"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Merci : votre signalement est transmis à l'équipe de modération."))
            return redirect(reportable.get_url(obj))
    context = {
        "obj": obj,
        "reportable": reportable,
        "form": form,
        "excerpt": reportable.excerpt(obj),
        "author": reportable.get_author(obj),
        "back_url": reportable.get_url(obj),
    }
    return render(request, "moderation/report.html", context, status=400 if form.errors else 200)


# --- The queue and decisions (institution moderators) ------------------------------------------


@_staff_mfa
@require_GET
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    institution = _institution_for_moderator(request, slug)
    view = request.GET.get("vue")
    view = view if view in VIEWS else VIEWS[0]
    context: dict[str, Any] = {"institution": institution, "view": view, "can_block": True}
    if view == "signalements":
        page = Paginator(queries.open_report_groups(institution), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        items = queries.queue_items(list(page.object_list))
        context.update(page_obj=page, items=[(item, _hide_form(item)) for item in items])
    elif view == "masques":
        context["items"] = [(item, None) for item in queries.hidden_items(institution)]
    else:
        context["blocks"] = queries.active_blocks(institution)
    context["open_count"] = queries.open_report_count(institution)
    return render(request, "moderation/queue.html", context)


def _item_context(request, institution, obj, reportable, *, hide_form=None, block_form=None) -> dict[str, Any]:
    item = queries.item_for(obj, reportable)
    content_type = ContentType.objects.get_for_model(obj)
    author = reportable.get_author(obj)
    return {
        "institution": institution,
        "can_block": can_moderate(request.user, institution),
        "item": item,
        "hide_form": hide_form or _hide_form(item),
        "block_form": block_form,
        "history": Decision.objects.filter(content_type=content_type, object_id=obj.pk).select_related("actor"),
        "all_reports": queries.item_reports(obj, status=None),
        "author_block": (
            Block.objects.filter(institution=institution, user=author, lifted_at__isnull=True).first()
            if author
            else None
        ),
    }


@_staff_mfa
@require_GET
def item(request: HttpRequest, slug: str, app_label: str, model: str, pk: int) -> HttpResponse:
    institution, obj, reportable = _item_or_404(request, slug, app_label, model, pk)
    return render(request, "moderation/item.html", _item_context(request, institution, obj, reportable))


def _item_url(institution, reportable, obj) -> str:
    meta = reportable.model._meta
    return reverse("moderation:item", args=[institution.slug, meta.app_label, meta.model_name, obj.pk])


@_staff_mfa
@require_POST
def hide(request: HttpRequest, slug: str, app_label: str, model: str, pk: int) -> HttpResponse:
    institution, obj, reportable = _item_or_404(request, slug, app_label, model, pk)
    item = queries.item_for(obj, reportable)
    form = _hide_form(item, request.POST)
    if form.is_valid():
        try:
            services.hide(request.user, obj, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Contenu masqué. La décision figure dans le journal public de modération."))
            return redirect(_next_or(request, _item_url(institution, reportable, obj)))
    context = _item_context(request, institution, obj, reportable, hide_form=form)
    return render(request, "moderation/item.html", context, status=400)


def _simple_decision(request, slug, app_label, model, pk, action, success: str) -> HttpResponse:
    institution, obj, reportable = _item_or_404(request, slug, app_label, model, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        action(request.user, obj, note=note)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect(_next_or(request, _item_url(institution, reportable, obj)))


@_staff_mfa
@require_POST
def restore(request: HttpRequest, slug: str, app_label: str, model: str, pk: int) -> HttpResponse:
    return _simple_decision(request, slug, app_label, model, pk, services.restore, _("Contenu rétabli."))


@_staff_mfa
@require_POST
def dismiss(request: HttpRequest, slug: str, app_label: str, model: str, pk: int) -> HttpResponse:
    return _simple_decision(
        request, slug, app_label, model, pk, services.dismiss, _("Signalements rejetés : le contenu reste visible.")
    )


@_staff_mfa
@require_http_methods(["GET", "POST"])
def block(request: HttpRequest, slug: str, app_label: str, model: str, pk: int) -> HttpResponse:
    """Block the author of an item from this institution's processes."""
    institution, obj, reportable = _item_or_404(request, slug, app_label, model, pk)
    author = reportable.get_author(obj)
    if author is None or not can_moderate(request.user, institution):
        raise Http404
    form = BlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.block(
                request.user, institution, author, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s ne peut plus contribuer aux démarches de %(institution)s.")
                % {"name": author.public_name, "institution": institution.name},
            )
            return redirect(f"{reverse('moderation:queue', args=[institution.slug])}?vue=blocages")
    context = {**_item_context(request, institution, obj, reportable, block_form=form), "author": author}
    return render(request, "moderation/block.html", context, status=400 if form.errors else 200)


@_staff_mfa
@require_POST
def unblock(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    institution = _institution_for_moderator(request, slug)
    blocked = get_object_or_404(Block.objects.select_related("institution", "user"), pk=pk, institution=institution)
    try:
        services.unblock(request.user, blocked)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Blocage levé."))
    return redirect(f"{reverse('moderation:queue', args=[institution.slug])}?vue=blocages")


# --- The public log ----------------------------------------------------------------------------


@require_GET
def log(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.public_decisions(), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {ContentType.objects.get_for_model(r.model).pk: r.label for r in all_reportables()}
    actions, reasons = dict(DecisionAction.choices), dict(Reason.choices)
    rows = [
        {
            "created_at": row["created_at"],
            "institution": row["institution__name"],
            "action": actions.get(row["action"], ""),
            "reason": reasons.get(row["reason"], ""),
            "item": labels.get(row["content_type_id"], ""),
        }
        for row in page.object_list
    ]
    return render(
        request,
        "moderation/log.html",
        {
            "page_obj": page,
            "rows": rows,
            "counts": queries.log_counts(),
            "recent_days": queries.LOG_RECENT_DAYS,
        },
    )
