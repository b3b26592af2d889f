"""Open data of the processes app: institutions, processes, the answer tracker.

Public rows only: drafts never appear; no personal data (created_by, published_by and
members are never exported; institutions are the only names).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from terreau.opendata.datasets import Column, Dataset, ExportContext, Location
from terreau.processes import queries
from terreau.processes.models import Institution, InstitutionKind, Process, ScopeLevel
from terreau.territories.exports import locate_territory

CHUNK = 500
ANSWER_STATES = ["due", "late", "answered_on_time", "answered_late"]


def _public_institutions():
    return Institution.objects.annotate(
        process_count=Count("processes", filter=~Q(processes__status=Process.Status.DRAFT))
    ).order_by("slug")


def _institutions(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    for inst in _public_institutions().iterator(chunk_size=CHUNK):
        yield {
            "slug": inst.slug,
            "name": inst.name,
            "kind": inst.kind,
            "description": inst.description,
            "website": inst.website,
            "region_code": inst.region_id,
            "departement_code": inst.departement_id,
            "commune_code": inst.commune_id,
            "process_count": inst.process_count,
            "url": ctx.absolute(reverse("processes:institution", args=[inst.slug])),
        }


def _answer_fields(status: queries.AnswerStatus | None) -> dict[str, Any]:
    if status is None:
        return {"answer_due": None, "answer_state": None, "answered_on": None, "answer_days_late": None}
    return {
        "answer_due": status.due,
        "answer_state": status.state,
        "answered_on": status.answered_on,
        "answer_days_late": status.days_late if status.state in ("late", "answered_late") else 0,
    }


def _phases_summary(process: Process) -> str:
    """ "kind:start/end" per phase (ISO 8601 intervals), separated by "; "."""
    return "; ".join(f"{p.kind}:{p.start_date.isoformat()}/{p.end_date.isoformat()}" for p in process.phases.all())


def _processes(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    qs = queries.public_processes().select_related("answer").order_by("published_at", "pk")
    for process in qs.iterator(chunk_size=CHUNK):
        scope = process.scope
        current = process.current_phase(ctx.today)
        contract = getattr(process, "contract", None)
        departement_code = (
            process.scope_commune.departement_id if process.scope_commune else process.scope_departement_id
        )
        yield {
            "slug": process.slug,
            "title": process.title,
            "summary": process.summary,
            "status": process.status,
            "url": ctx.absolute(reverse("processes:detail", args=[process.slug])),
            "institution_slug": process.institution.slug,
            "institution_name": process.institution.name,
            "scope_level": process.scope_level,
            "scope_code": scope.code if scope else None,
            "scope_name": scope.name if scope else None,
            "scope_departement_code": departement_code,
            "scope_region_code": process.scope_region_id,
            "published_at": process.published_at,
            "phase_count": len(process.phases.all()),
            "phases": _phases_summary(process),
            "current_phase": current.kind if current else None,
            "is_open": process.status == Process.Status.PUBLISHED and current is not None,
            "contract_objective": contract.objective if contract else None,
            "contract_decision_maker": contract.decision_maker if contract else None,
            "contract_open_to_change": contract.open_to_change if contract else None,
            "contract_not_open": contract.not_open if contract else None,
            "contract_use_of_contributions": contract.use_of_contributions if contract else None,
            **_answer_fields(queries.answer_status(process, ctx.today)),
        }


def locate_process(row: dict[str, Any]) -> Location | None:
    """Région or département contour; a commune-scoped process gets its département's contour
    (our data has no commune geometry); national processes are left out of the GeoJSON."""
    if row["scope_level"] == ScopeLevel.REGION:
        return locate_territory("region", row["scope_region_code"])
    if row["scope_level"] in (ScopeLevel.DEPARTEMENT, ScopeLevel.COMMUNE):
        return locate_territory("departement", row["scope_departement_code"])
    return None


def _answers(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    late, due = queries.answers_pending(ctx.today)
    published = queries.answers_published(limit=None)
    for status in [*late, *due, *published]:
        process = status.process
        yield {
            "process_slug": process.slug,
            "process_title": process.title,
            "process_url": ctx.absolute(reverse("processes:detail", args=[process.slug])),
            "institution_slug": process.institution.slug,
            "institution_name": process.institution.name,
            "state": status.state,
            "answer_due": status.due,
            "answered_on": status.answered_on,
            "days_left": status.days if status.state == "due" else None,
            "days_late": status.days_late if status.state in ("late", "answered_late") else 0,
        }


SLUG = Column("slug", "string", _("Identifiant"), constraints={"required": True, "unique": True})
ANSWER_STATE_HELP = _(
    "due : attendue ; late : en retard, non publiée ; answered_on_time : publiée à temps ; "
    "answered_late : publiée en retard."
)


def _count_answers() -> int:
    return Process.objects.exclude(status=Process.Status.DRAFT).filter(contract__isnull=False).count()


DATASETS = (
    Dataset(
        name="institutions",
        title=_("Institutions"),
        description=_("Les institutions et organisations publiques qui mènent des démarches sur la plateforme."),
        columns=(
            SLUG,
            Column("name", "string", _("Nom"), constraints={"required": True}),
            Column("kind", "string", _("Type"), constraints={"enum": list(InstitutionKind.values)}),
            Column("description", "string", _("Présentation"), _("Texte Markdown.")),
            Column("website", "string", _("Site web")),
            Column("region_code", "string", _("Code INSEE de la région")),
            Column("departement_code", "string", _("Code INSEE du département")),
            Column("commune_code", "string", _("Code INSEE de la commune")),
            Column("process_count", "integer", _("Démarches publiques"), _("Démarches publiées ou archivées.")),
            Column("url", "string", _("Adresse de la page")),
        ),
        rows=_institutions,
        count=lambda: Institution.objects.count(),
        primary_key=("slug",),
    ),
    Dataset(
        name="demarches",
        title=_("Démarches participatives"),
        description=_(
            "Les démarches publiées ou archivées : institution, territoire, étapes, engagements de la démarche "
            "et état de la réponse de l'institution. Les brouillons ne sont jamais publiés."
        ),
        notes=_(
            "GeoJSON : contour de la région ou du département concerné ; une démarche communale reçoit le "
            "contour de son département (geometry_level = departement) ; les démarches nationales n'y figurent pas."
        ),
        columns=(
            SLUG,
            Column("title", "string", _("Titre"), constraints={"required": True}),
            Column("summary", "string", _("Résumé")),
            Column("status", "string", _("État"), constraints={"enum": ["published", "archived"]}),
            Column("url", "string", _("Adresse de la page")),
            Column("institution_slug", "string", _("Identifiant de l'institution")),
            Column("institution_name", "string", _("Institution")),
            Column("scope_level", "string", _("Échelle du territoire"), constraints={"enum": list(ScopeLevel.values)}),
            Column("scope_code", "string", _("Code INSEE du territoire"), _("Vide pour une démarche nationale.")),
            Column("scope_name", "string", _("Territoire")),
            Column("scope_departement_code", "string", _("Code du département du territoire")),
            Column("scope_region_code", "string", _("Code de la région (démarche régionale)")),
            Column("published_at", "datetime", _("Publiée le")),
            Column("phase_count", "integer", _("Nombre d'étapes")),
            Column("phases", "string", _("Étapes"), _("« type:début/fin » par étape, séparées par « ; ».")),
            Column("current_phase", "string", _("Étape en cours"), _("Type de l'étape en cours, vide sinon.")),
            Column("is_open", "boolean", _("Ouverte"), _("Publiée et dans une de ses étapes aujourd'hui.")),
            Column("contract_objective", "string", _("Objectif")),
            Column("contract_decision_maker", "string", _("Qui décide")),
            Column("contract_open_to_change", "string", _("Ce qui peut changer")),
            Column("contract_not_open", "string", _("Ce qui n'est pas en discussion")),
            Column("contract_use_of_contributions", "string", _("Usage des contributions")),
            Column("answer_due", "date", _("Date limite de la réponse")),
            Column("answer_state", "string", _("État de la réponse"), ANSWER_STATE_HELP),
            Column("answered_on", "date", _("Réponse publiée le")),
            Column("answer_days_late", "integer", _("Jours de retard de la réponse")),
        ),
        rows=_processes,
        count=lambda: Process.objects.exclude(status=Process.Status.DRAFT).count(),
        locate=locate_process,
        primary_key=("slug",),
    ),
    Dataset(
        name="reponses",
        title=_("Suivi des réponses des institutions"),
        description=_(
            "Pour chaque démarche publique, la date à laquelle l'institution s'est engagée à répondre et si elle "
            "l'a fait à temps : en retard d'abord, puis attendues, puis publiées."
        ),
        columns=(
            Column("process_slug", "string", _("Identifiant de la démarche"), constraints={"required": True}),
            Column("process_title", "string", _("Démarche")),
            Column("process_url", "string", _("Adresse de la démarche")),
            Column("institution_slug", "string", _("Identifiant de l'institution")),
            Column("institution_name", "string", _("Institution")),
            Column("state", "string", _("État"), ANSWER_STATE_HELP, constraints={"enum": ANSWER_STATES}),
            Column("answer_due", "date", _("Date limite")),
            Column("answered_on", "date", _("Publiée le")),
            Column("days_left", "integer", _("Jours restants"), _("Pour une réponse attendue.")),
            Column("days_late", "integer", _("Jours de retard")),
        ),
        rows=_answers,
        count=_count_answers,
        primary_key=("process_slug",),
    ),
)
