"""Forms: they parse input; the rules live in services.py."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from terreau.core.forms import LeanForm
from terreau.petitions import queries
from terreau.petitions.models import CONTEXT_MAX, DEMAND_MAX, NAME_MAX, TITLE_MAX, PetitionType
from terreau.processes.models import Institution
from terreau.territories.forms import CommuneField
from terreau.territories.models import Departement, Region

SCOPE_CHOICES = [
    ("national", _("National")),
    ("region", _("Une région")),
    ("departement", _("Un département")),
    ("commune", _("Une commune")),
]


class PetitionSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("État"), required=False)
    order = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[("recent", _("Les plus récentes")), ("signatures", _("Les plus signées"))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Tous")), *queries.status_choices()]


class PetitionForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=TITLE_MAX)
    demand = forms.CharField(
        label=_("Ce que vous demandez"),
        max_length=DEMAND_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Une demande précise, adressée à l'institution, en quelques phrases."),
    )
    context = forms.CharField(
        label=_("Contexte"),
        required=False,
        max_length=CONTEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Pourquoi cette demande ; sources. Mise en forme Markdown."),
    )
    institution = forms.ModelChoiceField(label=_("Institution destinataire"), queryset=Institution.objects.all())
    petition_type = forms.ModelChoiceField(
        label=_("Type de pétition"),
        queryset=PetitionType.objects.select_related("institution"),
        required=False,
        help_text=_("Fixe les seuils de réponse et de saisine de l'institution."),
    )
    scope_level = forms.ChoiceField(label=_("Territoire concerné"), choices=SCOPE_CHOICES, initial="national")
    scope_region = forms.ModelChoiceField(label=_("Région"), queryset=Region.objects.all(), required=False)
    scope_departement = forms.ModelChoiceField(
        label=_("Département"), queryset=Departement.objects.all(), required=False
    )
    scope_commune = CommuneField(label=_("Commune"), required=False)
    goal = forms.IntegerField(
        label=_("Objectif de signatures (facultatif)"), required=False, min_value=1, max_value=100_000_000
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # htmx: similar petitions follow the typing (the "Chercher" button does it without JS).
        self.fields["title"].widget.attrs.update(
            {
                "hx-get": reverse("petitions:similar"),
                "hx-trigger": "input changed delay:600ms",
                "hx-target": "#similar-petitions",
                "hx-swap": "outerHTML",
            }
        )
        self.fields["petition_type"].label_from_instance = lambda t: (
            f"{t.institution.name} — {t.name} ({t.answer_threshold} / {t.escalation_threshold})"
        )


class SignForm(LeanForm):
    name = forms.CharField(
        label=_("Nom et prénom"), max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.CharField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Elle ne sera jamais affichée. Vous y recevrez le lien de confirmation."),
    )
    commune = CommuneField(label=_("Votre commune"), required=False)
    postcode = forms.CharField(
        label=_("ou votre code postal"),
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    abroad = forms.BooleanField(label=_("Je vis hors de France"), required=False)
    show_name = forms.BooleanField(label=_("Afficher mon nom sur la page de la pétition"), required=False)
    notify_answer = forms.BooleanField(label=_("M'informer par e-mail de la réponse de l'institution"), required=False)


class ConsentForm(forms.Form):
    """The one-click signature of a signed-in participant: only the consents."""

    show_name = SignForm.base_fields["show_name"]
    notify_answer = SignForm.base_fields["notify_answer"]


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il est montré à l'auteur·rice : soyez clair et précis."),
    )


class PublishForm(forms.Form):
    closes_on = forms.DateField(
        label=_("Fin de la collecte (facultatif)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Réponse officielle (Markdown)"), widget=forms.Textarea(attrs={"rows": 10}))


class UpdateForm(forms.Form):
    body = forms.CharField(label=_("Nouvelle (Markdown)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class InvalidateForm(forms.Form):
    ip_prefix = forms.CharField(
        label=_("Plage d'adresses IP"),
        required=False,
        max_length=50,
        help_text=_("Ex. 203.0.113.0/24 ou 2001:db8:1::/48."),
    )
    domain = forms.CharField(label=_("Domaine de l'adresse e-mail"), required=False, max_length=253)
    since = forms.DateTimeField(
        label=_("Signées à partir de"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = forms.DateTimeField(
        label=_("Signées jusqu'à"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    flagged_only = forms.BooleanField(label=_("Seulement les signatures signalées comme suspectes"), required=False)
    reason = forms.CharField(label=_("Motif (journal d'audit)"), max_length=500)


class PetitionTypeForm(forms.Form):
    """Parses the back-office form; services.clean_petition_type() holds the rules."""

    name = forms.CharField(
        label=_("Nom"),
        max_length=120,
        help_text=_("Par exemple « Pétition métropolitaine » ou « Pétition de quartier »."),
    )
    answer_threshold = forms.IntegerField(
        label=_("Seuil de réponse (signatures)"),
        help_text=_("À ce nombre de signatures comptées, l'institution s'engage à répondre."),
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    answer_days = forms.IntegerField(
        label=_("Délai de réponse (jours)"),
        help_text=_("Le nombre de jours, à partir du seuil de réponse, pour publier la réponse."),
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    escalation_threshold = forms.IntegerField(
        label=_("Seuil de saisine (signatures)"),
        help_text=_(
            "À ce nombre, l'équipe peut ouvrir une consultation liée à la pétition. Au moins égal au seuil de réponse."
        ),
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
