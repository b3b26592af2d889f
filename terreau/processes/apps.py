from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessesConfig(AppConfig):
    name = "terreau.processes"
    label = "processes"
    verbose_name = _("Démarches")

    def ready(self) -> None:
        from terreau.processes.modules import registry

        registry.autodiscover()
