from django.db import models
from django.utils.translation import gettext_lazy as _


class Page(models.Model):
    """Free information content shown in a process (documents, FAQ, context)."""

    attached = models.OneToOneField("processes.ProcessModule", on_delete=models.CASCADE, related_name="page")
    body = models.TextField(_("contenu (Markdown)"), blank=True, max_length=100_000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("page d'information")

    def __str__(self) -> str:
        return str(self.attached)
