"""Pages of the consultation module. Thin: reads from queries.py, writes through services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terreau.accounts.models import ParticipantKind
from terreau.consultations import queries, services
from terreau.consultations.forms import (
    AmendmentForm,
    AnswerForm,
    ArgumentForm,
    ImportForm,
    MergeForm,
    OfflineContributionForm,
    OfflineVotesForm,
    ProposalForm,
    SourceForm,
    apply_errors,
)
from terreau.consultations.models import (
    Choice,
    Contribution,
    ContributionKind,
    Section,
    SourceKind,
    Stance,
    Verdict,
)
from terreau.processes.models import ProcessModule
from terreau.processes.permissions import can_edit_process
from terreau.territories.models import Departement


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _base(request: HttpRequest, consultation) -> dict:
    process = consultation.attached.process
    user = request.user
    return {
        "consultation": consultation,
        "attached": consultation.attached,
        "process": process,
        "can_answer": services.can_answer(user, consultation),
        "can_merge": services.can_merge(user, consultation),
        "can_facilitate": services.can_facilitate(user, consultation),
        "can_edit": can_edit_process(user, process),
        "open_actions": _open_actions(consultation),
    }


def _open_actions(consultation) -> list[str]:
    """What the current phase opens, in words (empty when nothing is open)."""
    from terreau.processes.modules import registry

    attached = consultation.attached
    if attached.process.status != "published":
        return []
    phase = attached.process.current_phase()
    manifest = registry.get("consultation")
    return [
        str(s.label) for s in manifest.phase_settings if s.name != "visible" and attached.setting_for(phase, s.name)
    ]


def _message_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- reading ---------------------------------------------------------------------------------


def text(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = queries.get_consultation(request.user, pk)
    version = queries.version_or_current(consultation, request.GET.get("version"))
    if version is None and request.GET.get("version"):
        raise Http404
    context = _base(request, consultation)
    all_versions = queries.versions(consultation)
    sections = queries.document(version) if version else []
    context.update(
        {
            "version": version,
            "versions": all_versions,
            "is_latest": version is not None and version == all_versions[-1],
            "sections": sections,
            "document_key": queries.document_key(sections),
        }
    )
    return render(request, "consultations/text.html", context)


def _section_context(request: HttpRequest, consultation, section: Section) -> dict:
    context = _base(request, consultation)
    prev, nxt = queries.neighbours(section)
    amendments = queries.top_contributions(section, ContributionKind.AMENDMENT)
    for a in amendments:
        a.diff_html = queries.diff_html(section.body, a.body)
    user = request.user
    context.update(
        {
            "section": section,
            "version": section.version,
            "is_current": services.is_current(section),
            "prev": prev,
            "next": nxt,
            "amendments": amendments,
            "proposals": queries.top_contributions(section, ContributionKind.PROPOSAL),
            "arguments_for": queries.arguments_of(section, Stance.FOR),
            "arguments_against": queries.arguments_of(section, Stance.AGAINST),
            "argument_counts": queries.argument_counts(section),
            "my_vote": services.user_vote(user, section),
            "choices": Choice.choices,
            "vote_refusal": services.vote_refusal(user, section),
            "amend_refusal": services.action_refusal(user, section, ContributionKind.AMENDMENT),
            "propose_refusal": services.action_refusal(user, section, ContributionKind.PROPOSAL),
            "argue_refusal": services.action_refusal(user, section, ContributionKind.ARGUMENT),
            "argument_form": ArgumentForm(),
            "source_kinds": SourceKind.choices,
        }
    )
    earlier = section.previous
    if earlier is not None and earlier.body != section.body:
        context["earlier"] = earlier
        context["earlier_count"] = queries.listed(earlier.contributions.all()).count()
    return context


def section(request: HttpRequest, pk: int, section_id: int) -> HttpResponse:
    consultation = queries.get_consultation(request.user, pk)
    sec = queries.get_section(consultation, section_id)
    return render(request, "consultations/section.html", _section_context(request, consultation, sec))


def contribution(request: HttpRequest, pk: int, contribution_id: int) -> HttpResponse:
    consultation = queries.get_consultation(request.user, pk)
    c = queries.get_contribution(consultation, contribution_id)
    return render(request, "consultations/contribution.html", _contribution_context(request, consultation, c))


def _contribution_context(request: HttpRequest, consultation, c: Contribution, **forms) -> dict:
    context = _base(request, consultation)
    user = request.user
    target = c.parent if c.kind == ContributionKind.ARGUMENT and c.parent_id else None
    context.update(
        {
            "c": c,
            "section": c.section,
            "parent": target,
            "diff_html": queries.diff_html(c.section.body, c.body)
            if c.kind == ContributionKind.AMENDMENT and not c.is_hidden
            else "",
            "sources": list(c.sources.all()) if not c.is_hidden else [],
            "arguments_for": queries.arguments_of(c, Stance.FOR) if c.kind != ContributionKind.ARGUMENT else [],
            "arguments_against": queries.arguments_of(c, Stance.AGAINST) if c.kind != ContributionKind.ARGUMENT else [],
            "coauthors": list(c.coauthors.all()),
            "merged": list(c.merged.all()[:20]),
            "led_to": list(c.led_to.select_related("version")),
            "my_vote": services.user_vote(user, c),
            "choices": Choice.choices,
            "vote_refusal": services.vote_refusal(user, c),
            "argue_refusal": services.action_refusal(user, c.section, ContributionKind.ARGUMENT, parent=c)
            if c.kind != ContributionKind.ARGUMENT
            else _("Un argument ne reçoit pas d'arguments."),
            "source_refusal": services.action_refusal(user, c.section, "source", parent=c),
            "argument_form": forms.get("argument_form") or ArgumentForm(),
            "source_form": forms.get("source_form") or SourceForm(),
            "answer_form": forms.get("answer_form") or AnswerForm(),
            "merge_form": forms.get("merge_form") or MergeForm(),
            "answer": getattr(c, "answer", None),
        }
    )
    return context


def contributions(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = queries.get_consultation(request.user, pk)
    f = queries.parse_filters(request.GET)
    seed = ""
    if f.sort == "random":
        seed = request.session.get("consultation_seed")
        if not seed:  # written once: a session saved on every list request costs a query each time
            seed = request.session["consultation_seed"] = queries.new_visitor_seed()
    page = queries.contribution_page(consultation, f, visitor_seed=seed)
    version = queries.version_or_current(consultation)
    context = _base(request, consultation)
    context.update(
        {
            "filters": f,
            "page": page,
            "kinds": ContributionKind.choices,
            "author_kinds": ParticipantKind.choices,
            "departements": Departement.objects.order_by("code"),
            "sections": [s for s in version.sections.order_by("position") if s.is_votable] if version else [],
            "answer_choices": [("answered", _("Avec réponse")), ("unanswered", _("Sans réponse")), *Verdict.choices],
            "sorts": [
                ("supported", _("Les plus soutenues")),
                ("contested", _("Les plus débattues")),
                ("newest", _("Les plus récentes")),
                ("random", _("Au hasard")),
            ],
            "prev_query": f.query(page=page.number - 1),
            "next_query": f.query(page=page.number + 1),
        }
    )
    return render(request, "consultations/contributions.html", context)


def answers(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = queries.get_consultation(request.user, pk)
    page_number = request.GET.get("page", "1")
    page_number = (
        int(page_number) if isinstance(page_number, str) and page_number.isdigit() and len(page_number) < 6 else 1
    )
    context = _base(request, consultation)
    context.update(
        {
            "page": queries.answer_page(consultation, page_number),
            "verdict_counts": [(Verdict(v).label, v, n) for v, n in queries.verdict_counts(consultation).items()],
        }
    )
    return render(request, "consultations/answers.html", context)


def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    consultation = queries.get_consultation(request.user, pk)
    v = get_object_or_404(consultation.versions, number=number)
    changes = queries.version_changes(v)
    context = _base(request, consultation)
    context.update({"version": v, "changes": changes, "changed": [ch for ch in changes if ch.changed]})
    return render(request, "consultations/version.html", context)


# --- participating -------------------------------------------------------------------------------


def _login_or(request: HttpRequest):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@require_POST
def vote(request: HttpRequest, pk: int, section_id: int | None = None, contribution_id: int | None = None):
    consultation = queries.get_consultation(request.user, pk)
    if section_id is not None:
        item = queries.get_section(consultation, section_id)
        back = item.get_absolute_url()
    else:
        item = queries.get_contribution(consultation, contribution_id)
        back = item.get_absolute_url()
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    try:
        services.cast_vote(request.user, item, request.POST.get("choice"))
        messages.success(
            request, _("Votre vote est enregistré : vous pouvez le changer tant que les votes sont ouverts.")
        )
    except ValidationError as exc:
        messages.error(request, _message_of(exc))
    if request.htmx:
        if isinstance(item, Section):
            item.refresh_from_db()
            context = _section_context(request, consultation, item)
        else:
            item.refresh_from_db()
            context = _contribution_context(request, consultation, item)
        context["item"] = item
        context["vote_url_section"] = isinstance(item, Section)
        return render(request, "consultations/includes/vote_htmx.html", context)
    return redirect(back + "#vote")


def _contribute(request: HttpRequest, pk: int, section_id: int, kind: str):
    consultation = queries.get_consultation(request.user, pk)
    sec = queries.get_section(consultation, section_id)
    if (redirect_response := _login_or(request)) is not None:
        return redirect_response
    refusal = services.action_refusal(request.user, sec, kind)
    form_class = AmendmentForm if kind == ContributionKind.AMENDMENT else ProposalForm
    initial = {"body": queries.flow(sec.body)} if kind == ContributionKind.AMENDMENT else {}
    form = form_class(request.POST or None, initial=initial)
    similar: list = []
    preview_html = ""
    status = 200
    if request.method == "POST" and refusal is None and form.is_valid():
        data = form.cleaned_data
        publish = request.POST.get("action") == "publish"
        try:
            if not publish:
                # First step: check the text and show similar contributions before publishing.
                services._clean_contribution(
                    sec, kind, data["body"], data.get("title", ""), data["explanation"], "", None
                )
                similar = queries.similar_contributions(sec, f"{data.get('title', '')}\n{data['body']}")
                if kind == ContributionKind.AMENDMENT:
                    preview_html = queries.diff_html(sec.body, data["body"])
            else:
                c = services.post_contribution(
                    request.user,
                    sec,
                    kind=kind,
                    body=data["body"],
                    title=data.get("title", ""),
                    explanation=data["explanation"],
                    token=data["token"],
                    ip=_client_ip(request),
                )
                messages.success(request, _("Votre contribution est publiée."))
                return redirect(c.get_absolute_url())
        except ValidationError as exc:
            apply_errors(form, exc)
            status = 400
    elif request.method == "POST":
        status = 400
    context = _base(request, consultation)
    context.update(
        {
            "section": sec,
            "kind": kind,
            "form": form,
            "refusal": refusal,
            "similar": similar,
            "preview": request.method == "POST" and not form.errors and refusal is None,
            "preview_html": preview_html,
        }
    )
    return render(request, "consultations/contribute.html", context, status=status)


def amend(request: HttpRequest, pk: int, section_id: int):
    return _contribute(request, pk, section_id, ContributionKind.AMENDMENT)


def propose(request: HttpRequest, pk: int, section_id: int):
    return _contribute(request, pk, section_id, ContributionKind.PROPOSAL)


def _post_argument(request: HttpRequest, consultation, sec: Section, parent: Contribution | None):
    form = ArgumentForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    url = (data.get("source_url") or "").strip()
    try:
        if url:
            try:
                services.clean_source_url(url)
            except ValidationError as exc:  # the service names the field "url"
                raise ValidationError({"source_url": exc.messages}) from None
            if data.get("source_kind") not in SourceKind.values:
                raise ValidationError({"source_kind": _("Choisissez le type de source.")})
            services.clean_text(data.get("source_title"), "source_title", maximum=200)
        elif (data.get("source_title") or "").strip():
            raise ValidationError(
                {"source_url": _("Indiquez l'adresse de la source, ou effacez son titre pour publier sans source.")}
            )
        from django.db import transaction

        with transaction.atomic():
            c = services.post_contribution(
                request.user,
                sec,
                kind=ContributionKind.ARGUMENT,
                body=data.get("body", ""),
                stance=data.get("stance", ""),
                parent=parent,
                token=data.get("token", ""),
                ip=_client_ip(request),
            )
            if url and not c.sources.exists():
                services.add_source(
                    request.user, c, url=url, title=data.get("source_title"), kind=data.get("source_kind")
                )
        messages.success(request, _("Votre argument est publié."))
        return redirect((parent or sec).get_absolute_url() + "#arguments")
    except ValidationError as exc:
        apply_errors(form, exc)
    if parent is not None:
        context = _contribution_context(request, consultation, parent, argument_form=form)
        return render(request, "consultations/contribution.html", context, status=400)
    context = _section_context(request, consultation, sec)
    context["argument_form"] = form
    return render(request, "consultations/section.html", context, status=400)


@require_POST
def argue(request: HttpRequest, pk: int, section_id: int):
    consultation = queries.get_consultation(request.user, pk)
    sec = queries.get_section(consultation, section_id)
    if not request.user.is_authenticated:
        return redirect_to_login(sec.get_absolute_url())
    return _post_argument(request, consultation, sec, None)


@require_POST
def argue_on(request: HttpRequest, pk: int, contribution_id: int):
    consultation = queries.get_consultation(request.user, pk)
    parent = queries.get_contribution(consultation, contribution_id)
    if not request.user.is_authenticated:
        return redirect_to_login(parent.get_absolute_url())
    if parent.kind == ContributionKind.ARGUMENT:
        raise Http404
    return _post_argument(request, consultation, parent.section, parent)


@require_POST
def add_source(request: HttpRequest, pk: int, contribution_id: int):
    consultation = queries.get_consultation(request.user, pk)
    c = queries.get_contribution(consultation, contribution_id)
    if not request.user.is_authenticated:
        return redirect_to_login(c.get_absolute_url())
    form = SourceForm(request.POST)
    form.is_valid()
    try:
        services.add_source(request.user, c, **{k: form.cleaned_data.get(k) for k in ("url", "title", "kind")})
        messages.success(request, _("La source est ajoutée."))
        return redirect(c.get_absolute_url() + "#sources")
    except ValidationError as exc:
        apply_errors(form, exc)
    context = _contribution_context(request, consultation, c, source_form=form)
    return render(request, "consultations/contribution.html", context, status=400)


@login_required
@require_POST
def answer(request: HttpRequest, pk: int, contribution_id: int):
    consultation = queries.get_consultation(request.user, pk)
    c = queries.get_contribution(consultation, contribution_id)
    if not services.can_answer(request.user, consultation):
        raise Http404
    form = AnswerForm(request.POST)
    form.is_valid()
    try:
        services.answer(
            request.user, c, verdict=form.cleaned_data.get("verdict"), explanation=form.cleaned_data.get("explanation")
        )
        messages.success(request, _("La réponse est publiée."))
        return redirect(c.get_absolute_url() + "#reponse")
    except ValidationError as exc:
        apply_errors(form, exc)
    context = _contribution_context(request, consultation, c, answer_form=form)
    return render(request, "consultations/contribution.html", context, status=400)


@login_required
@require_POST
def merge(request: HttpRequest, pk: int, contribution_id: int):
    consultation = queries.get_consultation(request.user, pk)
    duplicate = queries.get_contribution(consultation, contribution_id)
    if not services.can_merge(request.user, consultation):
        raise Http404
    form = MergeForm(request.POST)
    if form.is_valid():
        target = Contribution.objects.filter(consultation=consultation, pk=form.cleaned_data["target"]).first()
        if target is None:
            form.add_error("target", _("Aucune contribution de cette consultation ne porte ce numéro."))
        else:
            try:
                services.merge(request.user, duplicate, target)
                messages.success(request, _("Les contributions sont fusionnées."))
                return redirect(target.get_absolute_url())
            except ValidationError as exc:
                apply_errors(form, exc)
    context = _contribution_context(request, consultation, duplicate, merge_form=form)
    return render(request, "consultations/contribution.html", context, status=400)


# --- institution pages ----------------------------------------------------------------------------


def _staff_consultation(request: HttpRequest, pk: int, check) -> tuple:
    attached = get_object_or_404(
        ProcessModule.objects.select_related("process__institution"), pk=pk, module="consultation"
    )
    consultation = getattr(attached, "consultation", None)
    if consultation is None:
        if check is not services.can_answer and can_edit_process(request.user, attached.process):
            return attached, None
        raise Http404
    if not check(request.user, consultation):
        raise Http404
    return attached, consultation


@login_required
def edit(request: HttpRequest, pk: int):
    attached = get_object_or_404(
        ProcessModule.objects.select_related("process__institution"), pk=pk, module="consultation"
    )
    process = attached.process
    if not can_edit_process(request.user, process):
        raise Http404
    consultation = getattr(attached, "consultation", None)
    form = ImportForm(
        request.POST if request.POST.get("action") == "import" else None,
        request.FILES or None,
        initial={"text_title": consultation.text_title if consultation else attached.title},
    )
    status = 200
    if request.method == "POST" and request.POST.get("action") == "import":
        if form.is_valid():
            markdown = form.cleaned_data["markdown"]
            upload = form.cleaned_data.get("file")
            try:
                if upload is not None:
                    if upload.size > 500_000:
                        raise ValidationError({"file": _("Le fichier dépasse 500 Ko.")})
                    try:
                        markdown = upload.read().decode("utf-8")
                    except UnicodeDecodeError:
                        raise ValidationError(
                            {"file": _("Le fichier doit être du texte en UTF-8 (Markdown).")}
                        ) from None
                services.import_text(request.user, attached, form.cleaned_data["text_title"], markdown)
                messages.success(request, _("Le texte est enregistré."))
                return redirect("consultations:edit", attached.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "settings" and consultation:
        current = services.current_version(consultation)
        for sec in current.sections.all() if current else []:
            switches = {name: request.POST.get(f"{name}_{sec.pk}") == "on" for name in services.SECTION_SWITCHES}
            services.configure_section(request.user, sec, switches)
        messages.success(request, _("Les réglages par section sont enregistrés."))
        return redirect("consultations:edit", attached.pk)
    current = services.current_version(consultation) if consultation else None
    context = {
        "attached": attached,
        "process": process,
        "consultation": consultation,
        "form": form,
        "version": current,
        "sections": list(current.sections.order_by("position")) if current else [],
        "switches": [(name, Section._meta.get_field(name).verbose_name) for name in services.SECTION_SWITCHES],
        "has_participation": consultation is not None and services._has_participation(consultation),
    }
    return render(request, "consultations/edit.html", context, status=status)


@login_required
def new_version(request: HttpRequest, pk: int):
    attached, consultation = _staff_consultation(request, pk, services.can_answer)
    current = services.current_version(consultation)
    if current is None:
        raise Http404
    sections = list(current.sections.order_by("position"))
    rows = []
    for sec in sections:
        if not sec.body and sec.kind != "article":
            rows.append({"section": sec, "editable": False})
            continue
        candidates = list(
            queries.listed(sec.contributions.exclude(kind=ContributionKind.ARGUMENT)).order_by("-agree_count", "-id")[
                :30
            ]
        )
        rows.append({"section": sec, "editable": True, "candidates": candidates})
    errors: list[str] = []
    note = ""
    status = 200
    if request.method == "POST":
        note = request.POST.get("note", "")
        bodies = {
            sec.pk: request.POST.get(f"body_{sec.pk}", sec.body)
            for sec in sections
            if sec.body or sec.kind == "article"
        }
        led_by = {}
        for sec in sections:
            ids = [v for v in request.POST.getlist(f"led_{sec.pk}") if v.isdigit() and len(v) < 12]
            if ids:
                led_by[sec.pk] = [int(v) for v in ids]
        try:
            v = services.publish_version(request.user, consultation, bodies=bodies, led_by=led_by, note=note)
            messages.success(request, _("La version %(n)s du texte est publiée.") % {"n": v.number})
            return redirect("consultations:version", attached.pk, v.number)
        except ValidationError as exc:
            errors = exc.messages
            status = 400
        for row in rows:
            if row["editable"]:
                row["posted"] = request.POST.get(f"body_{row['section'].pk}", row["section"].body)
                row["checked"] = set(request.POST.getlist(f"led_{row['section'].pk}"))
    context = _base(request, consultation)
    context.update({"current": current, "rows": rows, "errors": errors, "note": note})
    return render(request, "consultations/new_version.html", context, status=status)


@login_required
def offline(request: HttpRequest, pk: int):
    attached, consultation = _staff_consultation(request, pk, services.can_facilitate)
    current = services.current_version(consultation)
    sections = list(current.sections.order_by("position")) if current else []
    action = request.POST.get("action")
    cform = OfflineContributionForm(request.POST if action == "contribution" else None, sections=sections)
    vform = OfflineVotesForm(request.POST if action == "votes" else None, sections=sections)
    status = 200
    if request.method == "POST":
        by_id = {s.pk: s for s in sections}
        try:
            if action == "contribution" and cform.is_valid():
                d = cform.cleaned_data
                c = services.enter_offline_contribution(
                    request.user,
                    by_id[d["section"]],
                    kind=d["kind"],
                    body=d["body"],
                    source=d["source"],
                    author_kind=d["author_kind"],
                    author_label=d["author_label"],
                    departement=d["departement"],
                    title=d["title"],
                    stance=d["stance"],
                )
                messages.success(request, _("La contribution recueillie hors ligne est enregistrée."))
                return redirect(c.get_absolute_url())
            if action == "votes" and vform.is_valid():
                d = vform.cleaned_data
                n = services.enter_offline_votes(
                    request.user,
                    by_id[d["section"]],
                    counts={k: d.get(k) for k in Choice.values},
                    source=d["source"],
                )
                messages.success(request, _("%(n)s votes recueillis hors ligne sont enregistrés.") % {"n": n})
                return redirect("consultations:offline", attached.pk)
        except ValidationError as exc:
            apply_errors(cform if action == "contribution" else vform, exc)
        status = 400
    context = _base(request, consultation)
    context.update({"cform": cform, "vform": vform})
    return render(request, "consultations/offline.html", context, status=status)
