from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "terreau.petitions"
    label = "petitions"
    verbose_name = _("Pétitions")

    def ready(self) -> None:
        from terreau.petitions import hooks

        hooks.register_all()
