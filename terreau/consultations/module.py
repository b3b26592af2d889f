"""Manifest of the "consultation" module: a draft text worked on article by article."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from terreau.consultations.exports import EXPORTS
from terreau.processes.modules import ModuleManifest, PhaseSetting, registry
from terreau.synthesis.sources import ContributionSource


def render_public(request, attached) -> str:
    from terreau.consultations import queries

    if not attached.current_setting("visible") and attached.process.current_phase() is not None:
        return ""
    consultation = getattr(attached, "consultation", None)
    version = queries.version_or_current(consultation) if consultation else None
    context = {"attached": attached, "consultation": consultation, "version": version}
    if version is not None:
        context["articles"] = version.sections.filter(kind="article").count()
        context["contributions"] = queries.listed(consultation.contributions.all()).count()
    return render_to_string("consultations/public_block.html", context, request=request)


def backoffice_url(attached) -> str:
    return reverse("consultations:edit", args=[attached.pk])


def demo(attached, **kwargs: Any) -> None:
    from terreau.consultations.demo_data import fill

    fill(attached, **kwargs)


# --- synthesis source ---------------------------------------------------------------------------


def _applies(target) -> bool:
    return getattr(target, "module", None) == "consultation"


def _listed(target):
    from terreau.consultations.queries import listed

    return listed().filter(consultation__attached=target)


def _contributions(target) -> Iterator[Any]:
    from terreau.synthesis.engine.model import Contribution as EngineContribution

    qs = _listed(target).select_related("departement", "section").order_by("id")
    for c in qs.iterator(chunk_size=2000):
        text = "\n\n".join(part for part in (c.title, c.body, c.explanation) if part)
        yield EngineContribution(
            id=str(c.pk),
            text=text,
            author_id=str(c.author_id) if c.author_id else None,
            author_kind=c.author_kind or None,
            commune=c.commune_id,
            departement=c.departement_id,
            region=c.departement.region_id if c.departement else None,
            supports=c.agree_count,
            stance=c.stance or None,
            parent_id=str(c.parent_id) if c.parent_id else None,
            created=c.created_at.isoformat(),
        )


def _count(target) -> int:
    return _listed(target).count()


def _url(target, contribution_id: str) -> str:
    return reverse("consultations:contribution", args=[target.pk, int(contribution_id)])


def _is_public(target) -> bool:
    from terreau.processes.models import Process

    return target.process.status != Process.Status.DRAFT


SYNTHESIS_SOURCE = ContributionSource(
    name="consultations.contributions",
    label=_("Consultation : amendements, propositions et arguments"),
    model="processes.ProcessModule",
    contributions=_contributions,
    count=_count,
    contribution_url=_url,
    institution=lambda target: target.process.institution,
    title=lambda target: f"{target.process.title} — {target.title}",
    is_public=_is_public,
    applies_to=_applies,
)


manifest = registry.register(
    ModuleManifest(
        name="consultation",
        verbose_name=_("Consultation sur un texte"),
        description=_(
            "Un projet de texte (titres, chapitres, articles) soumis aux participants : votes, amendements, "
            "propositions, arguments et sources, réponses de l'institution et nouvelle version."
        ),
        phase_settings=(
            PhaseSetting("visible", _("Visible"), default=True),
            PhaseSetting("votes_open", _("Votes ouverts")),
            PhaseSetting("amendments_open", _("Amendements ouverts")),
            PhaseSetting("proposals_open", _("Nouvelles propositions ouvertes")),
            PhaseSetting("arguments_open", _("Arguments ouverts")),
            PhaseSetting("sources_open", _("Ajout de sources ouvert")),
        ),
        actions={
            "vote": ("participant",),
            "contribute": ("participant",),
            "answer": ("admin", "reviewer"),
            "publish_version": ("admin", "reviewer"),
            "merge": ("admin", "moderator"),
            "enter_offline": ("admin", "facilitator"),
        },
        render_public=render_public,
        backoffice_url=backoffice_url,
        exports=EXPORTS,
        api_router="terreau.consultations.api.router",
        synthesis_sources=(SYNTHESIS_SOURCE,),
        demo=demo,
    )
)


def register_shared_hooks() -> None:
    """Comments and reports on contributions, with their own visibility rules (AppConfig.ready)."""
    from terreau.consultations.models import Contribution
    from terreau.discussions.registry import register_commentable
    from terreau.moderation.registry import on_visibility_change, register_reportable

    register_commentable(
        Contribution,
        get_process=lambda c: c.consultation.attached.process,
        is_open=lambda c: c.is_listed,
        is_public=lambda c: not c.is_hidden,
        public_objects=lambda: Contribution.objects.filter(status="visible"),
        label=_("contribution"),
    )
    register_reportable(
        Contribution,
        get_process=lambda c: c.consultation.attached.process,
        is_public=lambda c: c.consultation.attached.process.status != "draft",
        for_institution=lambda qs, inst: qs.filter(consultation__attached__process__institution=inst),
        excerpt=lambda c: "\n\n".join(p for p in (c.title, c.body) if p)[:1000],
    )
    on_visibility_change(Contribution, _recount)


def _recount(contribution) -> None:
    from terreau.consultations.services import on_visibility_change

    on_visibility_change(contribution)
