"""What the petitions app plugs into the shared services (called from AppConfig.ready()).

Petitions are not a process module, so instead of a manifest they register here: the
answer tracker's provider, audit labels, "My data", open data and the API router.
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


def register_all() -> None:
    from terreau.accounts.services import PERSONAL_DATA_EXPORTERS
    from terreau.api.api import api
    from terreau.audit.kinds import register_kind
    from terreau.opendata.exports import register_dataset
    from terreau.petitions import exports, queries
    from terreau.processes.queries import register_answer_provider

    register_answer_provider(queries.tracked_answers)
    for kind, label in {
        "petition.published": _("Pétition publiée"),
        "petition.refused": _("Pétition refusée par la modération"),
        "petition.threshold_reached": _("Seuil de réponse d'une pétition atteint"),
        "petition.answered": _("Réponse à une pétition publiée"),
        "petition.escalated": _("Pétition transformée en démarche"),
        "petition.invalidated": _("Signatures de pétition invalidées"),
        "petition.flags_cleared": _("Signalements de signatures levés"),
    }.items():
        register_kind(kind, label)
    if personal_data not in PERSONAL_DATA_EXPORTERS:
        PERSONAL_DATA_EXPORTERS.append(personal_data)
    register_dataset("petitions", exports.petitions_dataset)
    if not getattr(api, "_terreau_petitions_mounted", False):
        api.add_router("/petitions", "terreau.petitions.api.router")
        api._terreau_petitions_mounted = True
