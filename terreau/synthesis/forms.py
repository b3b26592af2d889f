"""Staff forms: they render the fields; the services validate (one rule, one place)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from terreau.synthesis.models import LABEL_MAX, SUMMARY_MAX


class RenameForm(forms.Form):
    label = forms.CharField(label=_("Intitulé"), max_length=LABEL_MAX)


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Résumé éditorial (Markdown)"), max_length=SUMMARY_MAX, required=False, widget=forms.Textarea
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Fusionner dans"))

    def into_pk(self) -> int | None:
        raw = self.data.get("into", "")
        return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


class SplitForm(forms.Form):
    label = forms.CharField(label=_("Intitulé du nouveau thème"), max_length=LABEL_MAX)


class MoveForm(forms.Form):
    contribution = forms.CharField(label=_("Numéro de la contribution"), max_length=64)
    theme = forms.ChoiceField(label=_("Nouveau thème"), required=False)

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("Aucun thème")), *themes]
