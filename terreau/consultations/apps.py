from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "terreau.consultations"
    label = "consultations"
    verbose_name = _("Consultations sur un texte")

    def ready(self) -> None:
        from terreau.audit.kinds import register_kind
        from terreau.consultations.module import register_shared_hooks

        register_shared_hooks()

        register_kind("consultation.vote", _("Vote sur une consultation"))
        register_kind("consultation.answer", _("Réponse à une contribution"))
        register_kind("consultation.merge", _("Contributions fusionnées"))
        register_kind("consultation.version", _("Nouvelle version d'un texte soumis à consultation"))
        register_kind("consultation.offline", _("Contributions ou votes saisis hors ligne"))
