"""Forms of the consultation pages. They only shape input; the services validate and decide."""

from __future__ import annotations

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from terreau.accounts.models import ParticipantKind
from terreau.consultations.models import Choice, SourceKind, Stance, Verdict


def new_token() -> str:
    return secrets.token_hex(16)


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class PrefixedIds(forms.Form):
    """Ids unique on pages that hold several forms (and the comments form): "<id_prefix>_<field>"."""

    id_prefix = "cs"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class TokenForm(PrefixedIds):
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", new_token())


class AmendmentForm(TokenForm):
    body = forms.CharField(
        label=_("Nouvelle rédaction de l'article"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text=_("Modifiez le texte de l'article : les changements seront montrés mot à mot."),
    )
    explanation = forms.CharField(
        label=_("Exposé des motifs"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Pourquoi cette modification ? (facultatif)"),
    )


class ProposalForm(TokenForm):
    title = forms.CharField(label=_("Titre de la proposition"), required=False)
    body = forms.CharField(label=_("Texte proposé"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    explanation = forms.CharField(
        label=_("Exposé des motifs"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ArgumentForm(TokenForm):
    id_prefix = "arg"
    stance = forms.ChoiceField(
        label=_("Votre argument est"), choices=Stance.choices, widget=forms.RadioSelect, required=False
    )
    body = forms.CharField(label=_("Argument"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    source_url = forms.CharField(
        label=_("Source : adresse (facultatif)"), required=False, widget=forms.URLInput(attrs={"inputmode": "url"})
    )
    source_title = forms.CharField(label=_("Source : titre"), required=False)
    source_kind = forms.ChoiceField(label=_("Source : type"), choices=[("", "—"), *SourceKind.choices], required=False)


class SourceForm(PrefixedIds):
    id_prefix = "src"
    url = forms.CharField(label=_("Adresse (URL)"), widget=forms.URLInput(attrs={"inputmode": "url"}), required=False)
    title = forms.CharField(label=_("Titre"), required=False)
    kind = forms.ChoiceField(label=_("Type de source"), choices=SourceKind.choices, required=False)


class AnswerForm(PrefixedIds):
    id_prefix = "ans"
    verdict = forms.ChoiceField(label=_("Décision"), choices=Verdict.choices, widget=forms.RadioSelect, required=False)
    explanation = forms.CharField(label=_("Explication"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class MergeForm(PrefixedIds):
    id_prefix = "mrg"
    target = forms.IntegerField(
        label=_("Numéro de la contribution qui regroupe les deux"),
        min_value=1,
        help_text=_("Les votes, arguments et sources de celle-ci lui seront rattachés ; ses auteurs restent cités."),
    )


class ImportForm(forms.Form):
    text_title = forms.CharField(label=_("Titre du texte"), required=False)
    markdown = forms.CharField(
        label=_("Texte (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 20}),
        required=False,
        help_text=_(
            "« # Titre I », « ## Chapitre 1er », « ### Article 1 » ; « # Exposé des motifs » et « # Annexe » "
            "sont reconnus. Un document ODT ou DOCX converti en Markdown garde ses niveaux de titres."
        ),
    )
    file = forms.FileField(label=_("… ou un fichier Markdown (.md, .txt)"), required=False)


class OfflineContributionForm(forms.Form):
    section = forms.TypedChoiceField(label=_("Partie du texte"), coerce=int, choices=())
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("amendment", _("Amendement")), ("proposal", _("Proposition")), ("argument", _("Argument"))],
    )
    stance = forms.ChoiceField(label=_("Position (arguments)"), choices=[("", "—"), *Stance.choices], required=False)
    title = forms.CharField(label=_("Titre (propositions)"), required=False)
    body = forms.CharField(label=_("Texte"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    author_kind = forms.ChoiceField(label=_("Type de participant"), choices=ParticipantKind.choices)
    author_label = forms.CharField(label=_("Signé (facultatif)"), required=False)
    departement = forms.CharField(label=_("Département (code, facultatif)"), required=False, max_length=3)
    source = forms.CharField(
        label=_("Recueilli lors de"), help_text=_("Ex. : réunion publique de Dijon, 12 mars."), required=False
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(s.pk, s.label) for s in sections]


class OfflineVotesForm(forms.Form):
    section = forms.TypedChoiceField(label=_("Article"), coerce=int, choices=())
    agree = forms.IntegerField(label=Choice.AGREE.label, min_value=0, required=False, initial=0)
    mitigated = forms.IntegerField(label=Choice.MITIGATED.label, min_value=0, required=False, initial=0)
    disagree = forms.IntegerField(label=Choice.DISAGREE.label, min_value=0, required=False, initial=0)
    source = forms.CharField(label=_("Recueillis lors de"), required=False)

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(s.pk, s.label) for s in sections if s.is_votable]
