from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthesisConfig(AppConfig):
    name = "terreau.synthesis"
    label = "synthesis"
    verbose_name = _("Synthèse")

    def ready(self) -> None:
        from terreau.audit.kinds import register_kind
        from terreau.opendata.exports import register_dataset
        from terreau.processes.modules import register_backoffice_link, register_public_links
        from terreau.synthesis import builtin, exports, queries
        from terreau.synthesis.sources import register_source

        register_source(builtin.PROCESS_COMMENTS)
        register_dataset("synthesis", exports.themes_dataset)
        register_kind("synthesis.published", _("Synthèse publiée"))
        register_backoffice_link("synthesis", _("Synthèse"), builtin.backoffice_url)
        register_public_links("synthesis", queries.public_links_for_process)
