from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "terreau.moderation"
    label = "moderation"
    verbose_name = _("Modération")

    def ready(self) -> None:
        from terreau.accounts.services import PERSONAL_DATA_EXPORTERS

        if _export_reports not in PERSONAL_DATA_EXPORTERS:
            PERSONAL_DATA_EXPORTERS.append(_export_reports)
        try:
            from terreau.audit.kinds import register_kind
        except ImportError:  # the audit app's labels are optional
            return
        register_kind("moderation.hidden", _("Contenu masqué par la modération"))
        register_kind("moderation.restored", _("Contenu rétabli par la modération"))
        register_kind("moderation.dismissed", _("Signalements rejetés par la modération"))
        register_kind("moderation.blocked", _("Participant·e bloqué·e par la modération"))
        register_kind("moderation.unblocked", _("Participant·e débloqué·e par la modération"))


def _export_reports(user) -> dict:
    from terreau.moderation.models import Block, Report

    return {
        "reports_made": list(
            Report.objects.filter(reporter=user).values("reason", "details", "status", "created_at").order_by("id")
        ),
        "moderation_blocks": list(
            Block.objects.filter(user=user)
            .values("institution__name", "reason", "created_at", "lifted_at")
            .order_by("id")
        ),
    }
