"""Open data of the consultation module: contributions, arguments, sources, votes, answers.

Only public rows: consultations of published or archived processes, listed contributions
(not hidden, not merged away). No name, email or user id: authors appear by kind and
département; voters by a pseudonym that is stable within one consultation only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from terreau.consultations.models import (
    Answer,
    Choice,
    Contribution,
    ContributionKind,
    ContributionVote,
    Origin,
    SectionVote,
    Source,
    SourceKind,
    Stance,
    Verdict,
)
from terreau.moderation.models import Visibility
from terreau.opendata.datasets import Column, Dataset, ExportContext
from terreau.processes.models import Process

CHUNK = 2000
VOTER_SALT = "terreau.consultations.voter"


def voter_pseudonym(consultation_id: int, user_id: int | None) -> str:
    """Stable per (consultation, voter); unlinkable across consultations without SECRET_KEY."""
    if user_id is None:
        return ""
    return "v:" + salted_hmac(VOTER_SALT, f"{consultation_id}:{user_id}", algorithm="sha256").hexdigest()[:20]


def public_contributions() -> QuerySet[Contribution]:
    return Contribution.objects.filter(status=Visibility.VISIBLE, merged_into__isnull=True).exclude(
        consultation__attached__process__status=Process.Status.DRAFT
    )


def _contribution_row(c: Contribution, ctx: ExportContext) -> dict[str, Any]:
    return {
        "id": c.pk,
        "process_slug": c.consultation.attached.process.slug,
        "consultation_id": c.consultation.attached_id,
        "text_version": c.section.version.number,
        "section_id": c.section_id,
        "section": c.section.short_label,
        "kind": c.kind,
        "stance": c.stance or None,
        "parent_id": c.parent_id,
        "title": c.title,
        "body": c.body,
        "explanation": c.explanation,
        "author_kind": c.author_kind,
        "author_departement_code": c.departement_id,
        "origin": c.origin,
        "offline_source": c.offline_source,
        "agree": c.agree_count,
        "mitigated": c.mitigated_count,
        "disagree": c.disagree_count,
        "answer": c.answer_verdict or None,
        "created_at": c.created_at,
        "url": ctx.absolute(c.get_absolute_url()),
    }


def _rows(kinds: tuple[str, ...]):
    def rows(ctx: ExportContext) -> Iterator[dict[str, Any]]:
        qs = (
            public_contributions()
            .filter(kind__in=kinds)
            .select_related("consultation__attached__process", "section__version")
            .order_by("id")
        )
        for c in qs.iterator(chunk_size=CHUNK):
            yield _contribution_row(c, ctx)

    return rows


CONTRIBUTION_COLUMNS = (
    Column("id", "integer", _("Identifiant"), constraints={"required": True, "unique": True}),
    Column("process_slug", "string", _("Identifiant de la démarche")),
    Column("consultation_id", "integer", _("Identifiant de la consultation")),
    Column("text_version", "integer", _("Version du texte")),
    Column("section_id", "integer", _("Identifiant de la section")),
    Column("section", "string", _("Section (article)")),
    Column("kind", "string", _("Type"), constraints={"enum": list(ContributionKind.values)}),
    Column("stance", "string", _("Position (arguments)"), constraints={"enum": list(Stance.values)}),
    Column("parent_id", "integer", _("Contribution discutée"), _("Pour un argument sur une autre contribution.")),
    Column("title", "string", _("Titre")),
    Column("body", "string", _("Texte"), _("Pour un amendement : la nouvelle rédaction proposée.")),
    Column("explanation", "string", _("Exposé des motifs")),
    Column("author_kind", "string", _("Type de participant")),
    Column("author_departement_code", "string", _("Département de l'auteur·rice")),
    Column("origin", "string", _("Origine"), constraints={"enum": list(Origin.values)}),
    Column("offline_source", "string", _("Source hors ligne"), _("Réunion ou support papier d'origine.")),
    Column("agree", "integer", _("Votes d'accord")),
    Column("mitigated", "integer", _("Votes mitigés")),
    Column("disagree", "integer", _("Votes pas d'accord")),
    Column("answer", "string", _("Réponse de l'institution"), constraints={"enum": list(Verdict.values)}),
    Column("created_at", "datetime", _("Publiée le")),
    Column("url", "string", _("Adresse")),
)


def _sources(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    qs = Source.objects.filter(contribution__in=public_contributions()).order_by("id")
    for s in qs.iterator(chunk_size=CHUNK):
        yield {"id": s.pk, "contribution_id": s.contribution_id, "kind": s.kind, "title": s.title, "url": s.url}


def _public_votes(model) -> QuerySet:
    item = "section" if model is SectionVote else "contribution"
    return model.objects.exclude(**{f"{item}__consultation__attached__process__status": Process.Status.DRAFT})


def _votes(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    sections = _public_votes(SectionVote).select_related("section").order_by("id")
    for v in sections.values_list(
        "id", "section__consultation_id", "section_id", "user_id", "choice", "origin", "offline_source", "updated_at"
    ).iterator(chunk_size=CHUNK):
        yield _vote_row("section", *v)
    contributions = (
        _public_votes(ContributionVote)
        .filter(contribution__in=public_contributions())
        .order_by("id")
        .values_list(
            "id",
            "contribution__consultation_id",
            "contribution_id",
            "user_id",
            "choice",
            "origin",
            "offline_source",
            "updated_at",
        )
    )
    for v in contributions.iterator(chunk_size=CHUNK):
        yield _vote_row("contribution", *v)


def _vote_row(target_type, pk, consultation_id, target_id, user_id, choice, origin, offline_source, updated_at):
    return {
        "id": f"{target_type[0]}{pk}",
        "consultation_id": consultation_id,
        "target_type": target_type,
        "target_id": target_id,
        "voter": voter_pseudonym(consultation_id, user_id),
        "choice": choice,
        "origin": origin,
        "offline_source": offline_source,
        "updated_at": updated_at,
    }


def _answers(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    qs = Answer.objects.filter(contribution__in=public_contributions()).order_by("id")
    for a in qs.iterator(chunk_size=CHUNK):
        yield {
            "id": a.pk,
            "contribution_id": a.contribution_id,
            "verdict": a.verdict,
            "explanation": a.explanation,
            "answered_at": a.answered_at,
        }


def contributions_dataset() -> Dataset:
    return Dataset(
        name="consultation-contributions",
        title=_("Consultations : amendements et propositions"),
        description=_(
            "Les amendements et propositions publics des consultations sur un texte, avec leurs votes et la "
            "réponse de l'institution. Auteurs par type de participant et département uniquement."
        ),
        columns=CONTRIBUTION_COLUMNS,
        rows=_rows((ContributionKind.AMENDMENT, ContributionKind.PROPOSAL)),
        count=lambda: public_contributions().exclude(kind=ContributionKind.ARGUMENT).count(),
        primary_key=("id",),
    )


def arguments_dataset() -> Dataset:
    return Dataset(
        name="consultation-arguments",
        title=_("Consultations : arguments pour et contre"),
        description=_("Les arguments publics pour ou contre un article, un amendement ou une proposition."),
        columns=CONTRIBUTION_COLUMNS,
        rows=_rows((ContributionKind.ARGUMENT,)),
        count=lambda: public_contributions().filter(kind=ContributionKind.ARGUMENT).count(),
        primary_key=("id",),
    )


def sources_dataset() -> Dataset:
    return Dataset(
        name="consultation-sources",
        title=_("Consultations : sources citées"),
        description=_("Les sources (études, textes de loi, données, presse) citées à l'appui des contributions."),
        columns=(
            Column("id", "integer", _("Identifiant"), constraints={"required": True, "unique": True}),
            Column("contribution_id", "integer", _("Contribution")),
            Column("kind", "string", _("Type de source"), constraints={"enum": list(SourceKind.values)}),
            Column("title", "string", _("Titre")),
            Column("url", "string", _("Adresse")),
        ),
        rows=_sources,
        count=lambda: Source.objects.filter(contribution__in=public_contributions()).count(),
        primary_key=("id",),
    )


def votes_dataset() -> Dataset:
    return Dataset(
        name="consultation-votes",
        title=_("Consultations : votes"),
        description=_(
            "Chaque vote sur un article ou une contribution. Le votant est un pseudonyme propre à chaque "
            "consultation ; les votes recueillis hors ligne n'ont pas de votant et indiquent leur source."
        ),
        columns=(
            Column("id", "string", _("Identifiant"), constraints={"required": True, "unique": True}),
            Column("consultation_id", "integer", _("Consultation")),
            Column("target_type", "string", _("Objet voté"), constraints={"enum": ["section", "contribution"]}),
            Column("target_id", "integer", _("Identifiant de l'objet voté")),
            Column("voter", "string", _("Votant (pseudonyme)")),
            Column("choice", "string", _("Vote"), constraints={"enum": list(Choice.values)}),
            Column("origin", "string", _("Origine"), constraints={"enum": list(Origin.values)}),
            Column("offline_source", "string", _("Source hors ligne")),
            Column("updated_at", "datetime", _("Dernière modification")),
        ),
        rows=_votes,
        count=lambda: _public_votes(SectionVote).count() + _public_votes(ContributionVote).count(),
        primary_key=("id",),
    )


def answers_dataset() -> Dataset:
    return Dataset(
        name="consultation-answers",
        title=_("Consultations : réponses de l'institution"),
        description=_("La décision de l'institution sur chaque contribution, avec son explication."),
        columns=(
            Column("id", "integer", _("Identifiant"), constraints={"required": True, "unique": True}),
            Column("contribution_id", "integer", _("Contribution")),
            Column("verdict", "string", _("Décision"), constraints={"enum": list(Verdict.values)}),
            Column("explanation", "string", _("Explication")),
            Column("answered_at", "datetime", _("Répondu le")),
        ),
        rows=_answers,
        count=lambda: Answer.objects.filter(contribution__in=public_contributions()).count(),
        primary_key=("id",),
    )


EXPORTS = {
    "contributions": contributions_dataset,
    "arguments": arguments_dataset,
    "sources": sources_dataset,
    "votes": votes_dataset,
    "answers": answers_dataset,
}
