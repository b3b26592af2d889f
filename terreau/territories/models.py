"""French administrative geography (INSEE Code officiel géographique).

Primary keys are INSEE codes. Rows come from the shipped data file (data migration and
`manage.py load_territories`), not from user input.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from terreau.territories.text import normalize_name

# Postcodes shown next to a commune's name before an ellipsis ("Lyon (69) — 69001, 69002…").
SHOWN_POSTCODES = 2


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("région")
        verbose_name_plural = _("régions")

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, verbose_name=_("région"), on_delete=models.PROTECT, related_name="departements")

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    # normalize_name(name), kept in sync by save() and the loader; indexed for prefix search.
    search_name = models.CharField(_("nom normalisé"), max_length=100, db_index=True, editable=False)
    departement = models.ForeignKey(
        Departement, verbose_name=_("département"), on_delete=models.PROTECT, related_name="communes"
    )
    population = models.PositiveIntegerField(_("population"), default=0)
    # Space-separated five-digit postcodes, sorted: "69001 69002 69003".
    postcodes = models.CharField(_("codes postaux"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name} ({self.departement_id})"

    def save(self, *args, **kwargs) -> None:
        self.search_name = normalize_name(self.name)
        super().save(*args, **kwargs)

    @property
    def postcode_list(self) -> list[str]:
        return self.postcodes.split()

    @property
    def label(self) -> str:
        """Name, département and first postcodes: "Lyon (69) — 69001, 69002…"."""
        codes = self.postcode_list
        if not codes:
            return str(self)
        shown = ", ".join(codes[:SHOWN_POSTCODES]) + ("…" if len(codes) > SHOWN_POSTCODES else "")
        return f"{self} — {shown}"
