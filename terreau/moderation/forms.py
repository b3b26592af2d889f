from django import forms
from django.utils.translation import gettext_lazy as _

from terreau.moderation.models import HIDDEN_NOTE_MAX, REPORT_DETAILS_MAX, Reason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Pourquoi signalez-vous ce contenu ?"),
        choices=Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un motif."), "invalid_choice": _("Choisissez un motif.")},
    )
    details = forms.CharField(
        label=_("Précisions (facultatif)"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": REPORT_DETAILS_MAX}),
        max_length=REPORT_DETAILS_MAX,
        required=False,
        help_text=_("1 000 caractères au plus. Seule l'équipe de modération les lit."),
    )


class HideForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif affiché publiquement"),
        choices=[("", _("Choisir un motif")), *Reason.choices],
        error_messages={"required": _("Choisissez un motif."), "invalid_choice": _("Choisissez un motif.")},
    )
    note = forms.CharField(
        label=_("Précision publique (facultatif)"),
        max_length=HIDDEN_NOTE_MAX,
        required=False,
        help_text=_("Affichée à la place du commentaire : ne le citez pas et ne nommez personne."),
    )


class BlockForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif"),
        choices=[("", _("Choisir un motif")), *Reason.choices],
        error_messages={"required": _("Choisissez un motif."), "invalid_choice": _("Choisissez un motif.")},
    )
    note = forms.CharField(
        label=_("Note interne (facultatif)"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        max_length=1000,
        required=False,
        help_text=_("Lue par l'équipe de l'institution seulement."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note interne (facultatif)"),
        max_length=1000,
        required=False,
    )
