"""Public petition pages, signing, and the staff pages. Thin: services decide."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from terreau.core import ratelimit
from terreau.opendata.exports import csv_cell
from terreau.petitions import pagecache, queries, services
from terreau.petitions.forms import (
    AnswerForm,
    ConsentForm,
    InvalidateForm,
    PetitionForm,
    PetitionSearchForm,
    PublishForm,
    RefuseForm,
    SignForm,
    UpdateForm,
)
from terreau.petitions.models import Petition, Signature
from terreau.synthesis import queries as synthesis_queries
from terreau.synthesis import services as synthesis_services
from terreau.territories import svgmap
from terreau.territories.forms import picker_redisplay, picker_search_requested

PAGE_SIZE = 20
PAGE_TTL = 15  # seconds, the page fragment (see pagecache for the whole staleness budget)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _get_petition(request: HttpRequest, slug: str) -> Petition:
    petition = queries.petition_for_page(slug)
    if not queries.visible_to(request.user, petition):
        raise Http404
    return petition


# --- Public pages -------------------------------------------------------------------------


@require_GET
def petition_list(request: HttpRequest) -> HttpResponse:
    form = PetitionSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    petitions = queries.search_petitions(
        q=data.get("q", ""), status=data.get("status", ""), order=data.get("order") or "recent"
    )
    page_obj = Paginator(petitions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/list.html", {"form": form, "page_obj": page_obj})


def progress_target(petition: Petition, count: int) -> tuple[int | None, str]:
    """What the progress bar measures: the goal, else the next threshold."""
    kind = petition.petition_type
    if petition.goal and (count < petition.goal or kind is None):
        return petition.goal, _("objectif")
    if kind is not None:
        if count < kind.answer_threshold:
            return kind.answer_threshold, _("seuil de réponse")
        return kind.escalation_threshold, _("seuil de saisine")
    return petition.goal, _("objectif")


def _body_context(petition: Petition) -> dict[str, Any]:
    count = queries.signature_count(petition.pk)
    target, target_label = progress_target(petition, count)
    depts = queries.counts_by_departement(petition.pk)
    return {
        "petition": petition,
        "count": count,
        "target": target,
        "target_label": target_label,
        "progress_max": max(target or 0, count, 1),
        "departements": depts[:15],
        "more_departements": max(0, len(depts) - 15),
        "updates": list(petition.updates.all()[:10]),
        "signers": queries.public_signers(petition),
    }


def _render_body(request: HttpRequest, petition: Petition) -> str:
    """The page's main fragment; cached per language for anonymous readers of public petitions."""
    if request.user.is_authenticated or not petition.is_public:
        return render_to_string("petitions/includes/body.html", _body_context(petition), request=None)
    key = f"petitions:page:{petition.pk}:{translation.get_language()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("petitions/includes/body.html", _body_context(petition), request=None)
        cache.set(key, html, PAGE_TTL)
    return html


@require_GET
@pagecache.anonymous_page_cache
def petition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _get_petition(request, slug)
    user = request.user
    own_signature = None
    if user.is_authenticated:
        own_signature = Signature.objects.filter(petition=petition, user=user).only("pk", "confirmed_at").first()
    response = render(
        request,
        "petitions/detail.html",
        {
            "petition": petition,
            "body_html": mark_safe(_render_body(request, petition)),  # noqa: S308 (our own template)
            "own_signature": own_signature,
            "is_author": user.is_authenticated and petition.author_id == user.pk,
            "can_moderate": user.is_authenticated and services.can_moderate(user, petition),
            "update_form": UpdateForm(),
            # Public links only: the same for every anonymous reader, so the whole-page cache holds.
            "syntheses": synthesis_queries.published_for(petition) if petition.is_public else [],
        },
    )
    if user.is_authenticated:
        pagecache.make_private(response, no_cache=True)
    else:
        # The same page for every anonymous visitor: pagecache makes it public when it may.
        response.shareable = True
    return response


@require_GET
def petition_count(request: HttpRequest, slug: str) -> JsonResponse:
    petition = queries.petition_for_page(slug)
    if petition is None or not petition.is_public:
        raise Http404
    response = JsonResponse({"slug": petition.slug, "signatures": queries.signature_count(petition.pk)})
    # 10 s (count cache) + 20 s (shared cache) + 20 s (browser) = at most 50 s stale.
    patch_cache_control(response, public=True, max_age=20, s_maxage=20)
    return response


@require_GET
def petition_map(request: HttpRequest, slug: str) -> HttpResponse:
    """The SVG map of counted signatures by département (metropolitan France), cached 5 min."""
    petition = queries.petition_for_page(slug)
    if petition is None or not petition.is_public:
        raise Http404
    key = f"petitions:map:{petition.pk}"
    svg = cache.get(key)
    if svg is None:
        counts = {d.pk: n for d, n in queries.counts_by_departement(petition.pk) if d is not None}
        svg = svgmap.render(counts, _("Signatures par département : %(title)s") % {"title": petition.title})
        cache.set(key, svg, queries.DEPTS_TTL)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    patch_cache_control(response, public=True, max_age=queries.DEPTS_TTL)
    return response


@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    title = (request.GET.get("title") or "")[:200]
    return render(request, "petitions/includes/similar.html", {"similar": queries.similar_petitions(title)})


# --- Drafting -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def petition_new(request: HttpRequest) -> HttpResponse:
    if not services.can_draft(request.user):
        return render(request, "petitions/need_verified.html", status=403)
    form = PetitionForm(request.POST if request.method == "POST" else None)
    similar_list: list[Petition] = []
    if request.method == "POST":
        similar_list = queries.similar_petitions(request.POST.get("title", ""))
        if picker_search_requested(request) or "_similar" in request.POST:
            picker_redisplay(form)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                petition = services.draft_petition(
                    request.user,
                    title=data["title"],
                    demand=data["demand"],
                    context=data["context"],
                    institution=data["institution"],
                    petition_type=data["petition_type"],
                    scope_level=data["scope_level"],
                    scope_region=data["scope_region"],
                    scope_departement=data["scope_departement"],
                    scope_commune=data["scope_commune"],
                    goal=data["goal"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Pétition envoyée : elle sera publiée après relecture par la modération."))
                return redirect(petition.get_absolute_url())
    return render(request, "petitions/new.html", {"form": form, "similar": similar_list})


@login_required
@require_POST
def post_update(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _get_petition(request, slug)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.post_update(request.user, petition, form.cleaned_data["body"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            services.invalidate_page_cache(petition.pk)
            messages.success(request, _("Nouvelle publiée."))
    else:
        messages.error(request, _("La nouvelle est vide ou trop longue."))
    return redirect(petition.get_absolute_url())


# --- Signing ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    # The hot path under load: a light lookup, reused for two seconds (see the query).
    petition = queries.petition_for_signing_cached(slug)
    if not queries.visible_to(request.user, petition):
        raise Http404
    user = request.user
    if not petition.accepts_signatures:
        return render(request, "petitions/sign_closed.html", {"petition": petition})
    if user.is_authenticated and services.has_verified_email(user):
        form = ConsentForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                outcome = services.sign_as_user(user, petition, ip=ratelimit.client_ip(request), **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                if outcome == "already":
                    messages.info(request, _("Vous avez déjà signé cette pétition : votre signature compte une fois."))
                else:
                    messages.success(request, _("Merci, votre signature est enregistrée."))
                return redirect(petition.get_absolute_url())
        return render(request, "petitions/sign_user.html", {"petition": petition, "form": form})
    form = SignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if picker_search_requested(request):
            picker_redisplay(form)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                signer = services.clean_signer(
                    name=data["name"],
                    email=data["email"],
                    commune=data["commune"],
                    postcode=data["postcode"],
                    abroad=data["abroad"],
                )
                services.sign_anonymous(
                    petition,
                    signer,
                    show_name=data["show_name"],
                    notify_answer=data["notify_answer"],
                    ip=ratelimit.client_ip(request),
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                # petitions:thanks is this URL + "merci/" (urls.py); no reverse() on the hot path.
                return HttpResponseRedirect(f"{request.path}merci/")
    return render(request, "petitions/sign.html", {"petition": petition, "form": form})


@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _get_petition(request, slug)
    return render(request, "petitions/thanks.html", {"petition": petition})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST confirms.

    The answer is a redirect to the "confirmed" page: no session, no flash message (a
    session would be a write per confirmation and would take the visitor off the cached
    pages for the rest of their visit).
    """
    if request.method == "POST":
        signature = services.confirm_signature(token)
        if signature is None:
            return render(request, "petitions/token_invalid.html", status=404)
        return redirect(reverse("petitions:confirmed", args=[signature.petition.slug]))
    return render(request, "petitions/confirm.html", {"token": token})


@require_GET
def confirmed(request: HttpRequest, slug: str) -> HttpResponse:
    """After a confirmation: thanks, and the exact count (the sum of the shards, one cheap query)."""
    petition = queries.petition_for_signing(slug)
    if petition is None or not petition.is_public:
        raise Http404
    response = render(
        request, "petitions/confirmed.html", {"petition": petition, "count": services.exact_count(petition.pk)}
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_http_methods(["GET", "POST"])
def withdraw_token(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            petition = services.withdraw_by_token(token)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("petitions:list")
        if petition is None:
            return render(request, "petitions/token_invalid.html", status=404)
        messages.success(request, _("Votre signature a été retirée."))
        return redirect(petition.get_absolute_url())
    return render(request, "petitions/withdraw.html", {"token": token})


@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _get_petition(request, slug)
    try:
        done = services.withdraw_user(request.user, petition)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done:
            messages.success(request, _("Votre signature a été retirée."))
    return redirect(petition.get_absolute_url())


# --- Exports ------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(petition: Petition):
    writer = csv.writer(_Echo())
    yield writer.writerow(["nom", "commune", "departement", "date", "email"])
    rows = (
        Signature.objects.filter(petition=petition, counted=True)
        .order_by("pk")
        .values_list("name", "show_name", "commune__name", "departement_id", "confirmed_at", "notify_answer", "email")
        .iterator(chunk_size=5000)
    )
    for name, _show, commune, dept, confirmed, notify, email in rows:
        yield writer.writerow(
            [
                csv_cell(name),
                csv_cell(commune or ""),
                dept or "",
                confirmed.date().isoformat() if confirmed else "",
                csv_cell(email if notify else ""),
            ]
        )


@login_required
@require_GET
def export_signatures(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Names and communes of the counted signers; emails only of those who asked for the answer."""
    petition = _get_petition(request, slug)
    if not services.can_export(request.user, petition):
        raise Http404
    response = StreamingHttpResponse(_csv_rows(petition), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="signatures-{petition.pk}.csv"'
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- Staff --------------------------------------------------------------------------------


@login_required
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    qs = queries.moderation_queue(request.user)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/staff/queue.html", {"page_obj": page_obj})


def _staff_petition(request: HttpRequest, slug: str) -> Petition:
    petition = queries.petition_for_page(slug)
    if petition is None or not services.can_moderate(request.user, petition):
        raise Http404
    return petition


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    petition = _staff_petition(request, slug)
    forms = {
        "publish": PublishForm(prefix="publish"),
        "refuse": RefuseForm(prefix="refuse"),
        "answer": AnswerForm(prefix="answer"),
        "invalidate": InvalidateForm(prefix="invalidate"),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _staff_action(request, petition, action, forms)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            target = forms.get(action)
            if target is not None:
                _form_errors(target, exc)
            else:
                messages.error(request, " ".join(exc.messages))
        else:
            if done:
                return redirect(reverse("petitions:manage", args=[petition.slug]))
    return render(
        request,
        "petitions/staff/manage.html",
        {
            "petition": petition,
            "forms": forms,
            "count": services.exact_count(petition.pk),
            "totals": queries.staff_totals(petition),
            "flags": queries.flag_summary(petition),
            "invalidations": list(petition.invalidations.all()[:20]),
            "can_manage": services.can_manage(request.user, petition),
            "can_escalate": services.can_escalate(request.user, petition),
            "synthesis_entries": _synthesis_entries(request, petition),
            "now": timezone.now(),
        },
    )


def _synthesis_entries(request: HttpRequest, petition: Petition) -> list:
    """The petition's comments as a synthesis source: its synthesis, and whether this user may run it."""
    if not petition.is_public:
        return []
    entries = synthesis_queries.sources_for(petition)
    for entry in entries:
        entry.can_manage = synthesis_services.can_manage(request.user, entry.source, entry.target)
    return entries


def _staff_action(request: HttpRequest, petition: Petition, action: str, forms: dict) -> bool:
    user = request.user
    if action == "publish":
        form = forms["publish"] = PublishForm(request.POST, prefix="publish")
        if form.is_valid():
            services.publish_petition(user, petition, closes_on=form.cleaned_data["closes_on"])
            messages.success(request, _("Pétition publiée."))
            return True
    elif action == "refuse":
        form = forms["refuse"] = RefuseForm(request.POST, prefix="refuse")
        if form.is_valid():
            services.refuse_petition(user, petition, form.cleaned_data["reason"])
            messages.success(request, _("Pétition refusée ; l'auteur·rice voit le motif."))
            return True
    elif action == "answer":
        form = forms["answer"] = AnswerForm(request.POST, prefix="answer")
        if form.is_valid():
            services.answer_petition(user, petition, form.cleaned_data["answer"])
            messages.success(request, _("Réponse publiée."))
            return True
    elif action == "escalate":
        process = services.escalate_petition(user, petition)
        messages.success(request, _("Démarche « %(title)s » créée en brouillon.") % {"title": process.title})
        return True
    elif action == "close":
        services.close_petition(user, petition)
        messages.success(request, _("Collecte close."))
        return True
    elif action == "invalidate":
        form = forms["invalidate"] = InvalidateForm(request.POST, prefix="invalidate")
        if form.is_valid():
            data = form.cleaned_data
            invalidation = services.invalidate_signatures(
                user,
                petition,
                services.InvalidationFilter(
                    ip_prefix=data["ip_prefix"].strip(),
                    domain=data["domain"].strip(),
                    since=data["since"],
                    until=data["until"],
                    flagged_only=data["flagged_only"],
                ),
                data["reason"],
            )
            messages.success(request, _("%(n)s signature(s) invalidée(s).") % {"n": invalidation.count})
            return True
    elif action == "clear":
        form = forms["invalidate"] = InvalidateForm(request.POST, prefix="invalidate")
        if form.is_valid():
            data = form.cleaned_data
            n = services.clear_flags(
                user,
                petition,
                services.InvalidationFilter(
                    ip_prefix=data["ip_prefix"].strip(),
                    domain=data["domain"].strip(),
                    since=data["since"],
                    until=data["until"],
                    flagged_only=True,
                ),
                data["reason"],
            )
            messages.success(request, _("%(n)s signature(s) de nouveau comptée(s).") % {"n": n})
            return True
    else:
        messages.error(request, _("Action inconnue."))
    return False
