"""Public synthesis pages (read) and the staff pages (run, edit, publish). Thin: services decide."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from terreau.processes.models import Process
from terreau.processes.permissions import is_platform_admin, roles_in
from terreau.synthesis import charts, exports, queries, services
from terreau.synthesis.forms import MergeForm, MoveForm, RenameForm, SplitForm, SummaryForm
from terreau.synthesis.models import Synthesis, Theme
from terreau.territories import svgmap

PAGE_SIZE = 50
FILTER_LABELS = {
    "theme": gettext_lazy("thème"),
    "sub": gettext_lazy("sous-thème"),
    "campagne": gettext_lazy("campagne"),
    "bref": gettext_lazy("réponse courte"),
    "dep": gettext_lazy("département"),
    "type": gettext_lazy("type de participant·e"),
    "rare": gettext_lazy("argument rare"),
}
SPLIT_PAGE_SIZE = 100


def _visible(request, pk: int) -> Synthesis:
    synthesis = get_object_or_404(Synthesis.objects.select_related("content_type"), pk=pk)
    if not services.can_view(request.user, synthesis):
        raise Http404
    return synthesis


def _managed(request, pk: int) -> Synthesis:
    synthesis = get_object_or_404(Synthesis.objects.select_related("content_type"), pk=pk)
    if not services.can_manage_synthesis(request.user, synthesis):
        raise Http404
    return synthesis


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _page_context(request, synthesis: Synthesis) -> dict:
    source, target = services.source_of(synthesis), services.target_of(synthesis)
    themes = queries.top_themes(synthesis)
    for theme in themes:
        theme.stance_svg = charts.stance_bar(theme.stance, _("Répartition des positions"))
        for verbatim in theme.verbatims:
            verbatim["url"] = source.contribution_url(target, verbatim["contribution_id"])
    rare = queries.rare_arguments(synthesis)
    contributions_url = reverse("synthesis:contributions", args=[synthesis.pk])
    for argument in rare:
        argument["text_url"] = source.contribution_url(target, str(argument["contribution_id"]))
        # The count links to every contribution behind it (exact copies included).
        argument["url"] = f"{contributions_url}?{urlencode({'rare': argument['unit_id']})}"
    territories = queries.territory_rows(synthesis, themes)
    return {
        "synthesis": synthesis,
        "source": source,
        "target": target,
        "title": source.title(target),
        "target_url": source.target_url(target) if source.target_url else "",
        "themes": themes,
        "campaigns": queries.campaigns(synthesis),
        "rare_arguments": rare,
        "one_liners": queries.one_liners(synthesis),
        "territories": territories,
        "kinds": queries.kind_rows(synthesis),
        "n_members": synthesis.members.count(),
        "n_authors": queries.n_authors(synthesis),
        "edit_labels": queries.edit_labels(synthesis),
        "can_manage": services.can_manage(request.user, source, target),
        "unthemed": synthesis.members.filter(theme=None, one_liner="").count(),
    }


def detail(request, pk: int):
    synthesis = _visible(request, pk)
    return render(request, "synthesis/detail.html", _page_context(request, synthesis))


@require_GET
def map_svg(request, pk: int) -> HttpResponse:
    """The département map of distinct authors, as an image (the page's table says the same)."""
    synthesis = _visible(request, pk)
    counts = queries.authors_by_departement(synthesis)
    svg = svgmap.render(counts, _("Participant·es par département"))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    patch_cache_control(response, private=True, max_age=300)
    return response


def report(request, pk: int):
    synthesis = _visible(request, pk)
    return render(request, "synthesis/report.html", _page_context(request, synthesis))


def contributions(request, pk: int):
    synthesis = _visible(request, pk)
    source, target = services.source_of(synthesis), services.target_of(synthesis)
    filters = queries.member_filters(request.GET)
    page = Paginator(queries.members(synthesis, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for member in page:
        member.url = source.contribution_url(target, member.contribution_id)
    theme = synthesis.themes.filter(key=filters.get("theme", "")).first() if "theme" in filters else None
    labels = [(str(FILTER_LABELS[name]), value) for name, value in filters.items()]
    return render(
        request,
        "synthesis/contributions.html",
        {"synthesis": synthesis, "title": source.title(target), "page_obj": page, "filters": labels, "theme": theme},
    )


def export(request, pk: int, fmt: str, table: str = "themes"):
    synthesis = _visible(request, pk)
    if fmt == "json":
        response = HttpResponse(exports.as_json(synthesis), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="synthese-{synthesis.pk}.json"'
        return response
    if table not in exports.TABLES:
        raise Http404
    response = HttpResponse(exports.as_csv(synthesis, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="synthese-{synthesis.pk}-{table}.csv"'
    return response


# --- Staff -----------------------------------------------------------------------------------


@login_required
def manage(request, slug: str):
    process = get_object_or_404(Process.objects.select_related("institution"), slug=slug)
    if not (is_platform_admin(request.user) or roles_in(request.user, process.institution)):
        raise Http404
    entries = queries.sources_for_process(process)
    for entry in entries:
        entry.can_manage = services.can_manage(request.user, entry.source, entry.target)
    return render(request, "synthesis/manage.html", {"process": process, "entries": entries})


@login_required
@require_POST
def start(request):
    try:
        run = services.start(request.user, request.POST.get("source", ""), request.POST.get("object_id"))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _errors(request, exc)
        slug = request.POST.get("process", "")
        if Process.objects.filter(slug=slug[:200]).exists():
            return redirect("synthesis:manage", slug)
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
            return redirect(back)
        return redirect("backoffice:dashboard")
    messages.success(request, _("Calcul lancé. La page se met à jour pendant le calcul."))
    return redirect("synthesis:edit", run.synthesis_id)


@login_required
def edit(request, pk: int):
    synthesis = _managed(request, pk)
    context = _page_context(request, synthesis)
    run = queries.latest_run(synthesis)
    choices = [(t.pk, f"{t.key} · {t.label}") for t in context["themes"]]
    context.update(
        {
            "run": run,
            "steps": _steps(run),
            "process": _process_of(synthesis),
            "merge_choices": choices,
            "move_form": MoveForm(themes=choices),
        }
    )
    return render(request, "synthesis/edit.html", context)


def _process_of(synthesis: Synthesis):
    target = services.target_of(synthesis)
    if isinstance(target, Process):
        return target
    return getattr(target, "process", None)


STEP_LABELS = {
    "queued": "En attente d'un processus de calcul",
    "read": "Contributions lues",
    "engine": "Thèmes, campagnes et arguments rares calculés",
    "save": "Résultats enregistrés",
    "done": "Terminé",
    "failed": "Échec du calcul",
}


def _steps(run) -> list[dict]:
    if run is None:
        return []
    return [
        {"label": _(STEP_LABELS.get(s["step"], s["step"])), "at": datetime.datetime.fromisoformat(s["at"])}
        for s in run.steps
    ]


@login_required
def progress(request, pk: int):
    synthesis = _managed(request, pk)
    run = queries.latest_run(synthesis)
    response = render(request, "synthesis/_progress.html", {"synthesis": synthesis, "run": run, "steps": _steps(run)})
    if request.GET.get("polling") and (run is None or not run.active):
        response["HX-Refresh"] = "true"  # the run ended: reload the page to show its results
    return response


@login_required
@require_POST
def rerun(request, pk: int):
    synthesis = _managed(request, pk)
    try:
        services.rerun(request.user, synthesis)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Nouveau calcul lancé."))
    return redirect("synthesis:edit", synthesis.pk)


def _theme(request, pk: int, theme_pk: int) -> Theme:
    synthesis = _managed(request, pk)
    return get_object_or_404(Theme, pk=theme_pk, synthesis=synthesis)


def _back(theme: Theme):
    return redirect(f"{redirect('synthesis:edit', theme.synthesis_id).url}#theme-{theme.key}")


@login_required
@require_POST
def rename(request, pk: int, theme_pk: int):
    theme = _theme(request, pk, theme_pk)
    form = RenameForm(request.POST)
    try:
        services.rename(request.user, theme, form.data.get("label", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Thème renommé."))
    return _back(theme)


@login_required
@require_POST
def summary(request, pk: int, theme_pk: int):
    theme = _theme(request, pk, theme_pk)
    form = SummaryForm(request.POST)
    try:
        services.set_summary(request.user, theme, form.data.get("summary", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Résumé enregistré."))
    return _back(theme)


@login_required
@require_POST
def merge(request, pk: int, theme_pk: int):
    theme = _theme(request, pk, theme_pk)
    form = MergeForm(request.POST)
    into = Theme.objects.filter(pk=form.into_pk(), synthesis_id=pk).first()
    try:
        into = services.merge(request.user, theme, into)
    except ValidationError as exc:
        _errors(request, exc)
        return _back(theme)
    messages.success(request, _("Thèmes fusionnés."))
    return _back(into)


@login_required
def split(request, pk: int, theme_pk: int):
    theme = _theme(request, pk, theme_pk)
    synthesis = theme.synthesis
    form = SplitForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("mode") == "subthemes":
                services.split_by_subthemes(request.user, theme)
            else:
                services.split(request.user, theme, request.POST.getlist("contributions"), form.data.get("label", ""))
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Thème scindé."))
            return redirect("synthesis:edit", synthesis.pk)
    page = Paginator(synthesis.members.filter(theme=theme).order_by("position", "id"), SPLIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "synthesis/split.html", {"synthesis": synthesis, "theme": theme, "page_obj": page, "form": form}
    )


@login_required
@require_POST
def move(request, pk: int):
    synthesis = _managed(request, pk)
    raw = request.POST.get("theme", "")
    theme = None
    if raw:
        theme = Theme.objects.filter(pk=raw if raw.isdigit() else 0, synthesis=synthesis).first()
        if theme is None:
            messages.error(request, _("Choisissez un thème principal de cette synthèse."))
            return redirect("synthesis:edit", synthesis.pk)
    try:
        services.move(request.user, synthesis, request.POST.get("contribution", ""), theme)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Contribution déplacée."))
    return redirect("synthesis:edit", synthesis.pk)


@login_required
@require_POST
def publish(request, pk: int):
    synthesis = _managed(request, pk)
    try:
        services.publish(request.user, synthesis)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("synthesis:edit", synthesis.pk)
    messages.success(request, _("Synthèse publiée."))
    return redirect("synthesis:detail", synthesis.pk)
