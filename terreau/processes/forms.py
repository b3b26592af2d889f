from django import forms
from django.utils.translation import gettext_lazy as _

from terreau.processes.models import ScopeLevel


class ProcessSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("", _("Toutes")), ("open", _("Ouvertes en ce moment")), ("archived", _("Archivées"))],
    )
    level = forms.ChoiceField(label=_("Échelle"), required=False, choices=[("", _("Toutes"))] + ScopeLevel.choices)
