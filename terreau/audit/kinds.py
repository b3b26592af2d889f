"""French labels for event kinds, shown on the public page.

A module that records its own kinds registers their labels once, in its AppConfig.ready():

    from terreau.audit.kinds import register_kind
    register_kind("vote.cast", _("Vote enregistré"))

An unregistered kind is shown by its code.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KIND_LABELS: dict[str, str] = {
    "process.published": _("Démarche publiée"),
    "answer.published": _("Réponse de l'institution publiée"),
    "moderation.hidden": _("Contenu masqué par la modération"),
    "moderation.restored": _("Contenu rétabli par la modération"),
    "moderation.dismissed": _("Signalements classés sans suite"),
    "moderation.blocked": _("Participant·e bloqué·e"),
    "moderation.unblocked": _("Participant·e débloqué·e"),
}


def register_kind(kind: str, label) -> None:
    KIND_LABELS[kind] = label


def kind_label(kind: str):
    return KIND_LABELS.get(kind, kind)
