"""What the petitions app plugs into the shared services (called from AppConfig.ready()).

Petitions are not a process module, so instead of a manifest they register here: the
answer tracker's provider, audit labels, "My data", open data, the API router, comments
(moderated by the addressee institution and the petition's author) and a synthesis source
(the petition's comments).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def personal_data(user) -> dict[str, Any]:
    """The signatures and petitions of a signed-in participant, for "My data"."""
    from terreau.petitions import emails
    from terreau.petitions.models import Petition, Signature

    condition = Q(user=user)
    with contextlib.suppress(ValueError):
        condition |= Q(email_normalized=emails.normalize_email(user.email))
    signatures = Signature.objects.filter(condition).select_related("petition", "commune")
    return {
        "petition_signatures": [
            {
                "petition": s.petition.title,
                "url": s.petition.get_absolute_url(),
                "name": s.name,
                "email": s.email,
                "commune": s.commune.name if s.commune else None,
                "postcode": s.postcode,
                "abroad": s.abroad,
                "show_name": s.show_name,
                "notify_answer": s.notify_answer,
                "signed_at": s.created_at,
                "confirmed_at": s.confirmed_at,
            }
            for s in signatures
        ],
        "petitions_drafted": list(
            Petition.objects.filter(author=user).values("title", "slug", "status", "created_at", "refusal_reason")
        ),
    }


SYNTHESIS_SOURCE_NAME = "petitions.comments"


def _comments_open(petition) -> bool:
    """Comments are open while signatures are collected; read-only once the collection closes."""
    return petition.accepts_signatures


def _moderated_by_author(user, petition) -> bool:
    return petition.author_id == user.pk


def register_comments() -> None:
    from django.urls import reverse

    from terreau.discussions.registry import register_commentable
    from terreau.petitions.models import PUBLIC_STATUSES, Petition

    register_commentable(
        Petition,
        get_process=lambda petition: None,  # addressed to an institution, not run in a process
        get_institution=lambda petition: petition.institution,
        is_moderator=_moderated_by_author,
        is_open=_comments_open,
        is_public=lambda petition: petition.is_public,  # never on drafts (pending) or refused ones
        get_url=lambda petition: reverse("petitions:detail", args=[petition.slug]),
        public_objects=lambda: Petition.objects.filter(status__in=PUBLIC_STATUSES),
        label=_("pétition"),
    )


_synthesis_source = None


def register_synthesis_source() -> None:
    """Staff of the addressee run a synthesis of a petition's comments (from its staff page)."""
    global _synthesis_source
    from django.urls import reverse

    from terreau.synthesis import builtin
    from terreau.synthesis.sources import ContributionSource, register_source

    if _synthesis_source is None:
        _synthesis_source = ContributionSource(
            name=SYNTHESIS_SOURCE_NAME,
            label=_("Commentaires de la pétition"),
            model="petitions.Petition",
            contributions=builtin.contributions,
            count=builtin.count,
            contribution_url=builtin.contribution_url,
            institution=lambda petition: petition.institution,
            title=lambda petition: petition.title,
            is_public=lambda petition: petition.is_public,
            applies_to=lambda petition: petition.is_public,
            target_url=lambda petition: reverse("petitions:detail", args=[petition.slug]),
        )
    register_source(_synthesis_source)


def register_all() -> None:
    from django.urls import reverse

    from terreau.accounts.services import PERSONAL_DATA_EXPORTERS
    from terreau.api.api import api
    from terreau.audit.kinds import register_kind
    from terreau.opendata.exports import register_dataset
    from terreau.petitions import exports, queries, services
    from terreau.processes.modules import register_institution_link
    from terreau.processes.queries import register_answer_provider

    register_answer_provider(queries.tracked_answers)
    register_comments()
    register_synthesis_source()
    register_institution_link(
        "petitions.types",
        _("Types de pétition et seuils"),
        url=lambda institution: reverse("petitions_backoffice:types", args=[institution.slug]),
        visible=services.can_edit_petition_types,
    )
    for kind, label in {
        "petition.published": _("Pétition publiée"),
        "petition.refused": _("Pétition refusée par la modération"),
        "petition.threshold_reached": _("Seuil de réponse d'une pétition atteint"),
        "petition.answered": _("Réponse à une pétition publiée"),
        "petition.escalated": _("Pétition transformée en démarche"),
        "petition.invalidated": _("Signatures de pétition invalidées"),
        "petition.flags_cleared": _("Signalements de signatures levés"),
        "petition.type_created": _("Type de pétition créé"),
        "petition.type_changed": _("Seuils d'un type de pétition modifiés"),
    }.items():
        register_kind(kind, label)
    if personal_data not in PERSONAL_DATA_EXPORTERS:
        PERSONAL_DATA_EXPORTERS.append(personal_data)
    register_dataset("petitions", exports.petitions_dataset)
    if not getattr(api, "_terreau_petitions_mounted", False):
        api.add_router("/petitions", "terreau.petitions.api.router")
        api._terreau_petitions_mounted = True
