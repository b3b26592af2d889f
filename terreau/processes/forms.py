from django import forms
from django.utils.translation import gettext_lazy as _

from terreau.processes.models import Institution, ParticipationContract, Phase, Process, Role, ScopeLevel
from terreau.processes.modules import registry
from terreau.territories.forms import CommuneField


class ProcessSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("", _("Toutes")), ("open", _("Ouvertes en ce moment")), ("archived", _("Archivées"))],
    )
    level = forms.ChoiceField(label=_("Échelle"), required=False, choices=[("", _("Toutes")), *ScopeLevel.choices])


class ProcessForm(forms.ModelForm):
    image = forms.ImageField(
        label=_("Image d'illustration"),
        required=False,
        help_text=_("JPEG, PNG ou WebP, 5 Mo au plus. Elle sera recadrée et ré-encodée."),
    )
    remove_image = forms.BooleanField(label=_("Retirer l'image actuelle"), required=False)
    scope_commune = CommuneField(
        label=_("Commune concernée"),
        required=False,
        help_text=_("Seulement si le territoire concerné est une commune."),
    )

    class Meta:
        model = Process
        fields = [
            "title",
            "summary",
            "body",
            "image",
            "image_alt",
            "scope_level",
            "scope_region",
            "scope_departement",
            "scope_commune",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 12}),
        }
        help_texts = {
            "body": _("Markdown : **gras**, *italique*, listes, liens. Le HTML est neutralisé."),
            "scope_region": _("Seulement si le territoire concerné est une région."),
            "scope_departement": _("Seulement si le territoire concerné est un département."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.instance and self.instance.image):
            del self.fields["remove_image"]
        self.fields["title"].widget.attrs["maxlength"] = 200

    def clean(self):
        data = super().clean()
        level = data.get("scope_level")
        needed = {"region": "scope_region", "departement": "scope_departement", "commune": "scope_commune"}.get(level)
        if needed and not data.get(needed):
            self.add_error(needed, _("Choisissez le territoire concerné."))
        if data.get("image") and not data.get("image_alt"):
            self.add_error("image_alt", _("Décrivez l'image pour les personnes qui ne la voient pas."))
        return data


class ContractForm(forms.ModelForm):
    class Meta:
        model = ParticipationContract
        fields = ["objective", "decision_maker", "open_to_change", "not_open", "use_of_contributions", "answer_due"]
        widgets = {
            "objective": forms.Textarea(attrs={"rows": 3}),
            "decision_maker": forms.Textarea(attrs={"rows": 2}),
            "open_to_change": forms.Textarea(attrs={"rows": 3}),
            "not_open": forms.Textarea(attrs={"rows": 3}),
            "use_of_contributions": forms.Textarea(attrs={"rows": 3}),
            "answer_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "decision_maker": _("Par exemple : « Le conseil municipal, par délibération du … »."),
            "answer_due": _("La plateforme affichera publiquement si la réponse arrive à temps."),
        }

    def clean_answer_due(self):
        due = self.cleaned_data["answer_due"]
        if due.year < 2000 or due.year > 2100:
            raise forms.ValidationError(_("Saisissez une date réaliste."))
        return due


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["kind", "title", "description", "start_date", "end_date"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La fin doit être le même jour ou après le début."))
        return data


class ModuleAttachForm(forms.Form):
    module = forms.ChoiceField(label=_("Module"))
    title = forms.CharField(label=_("Titre affiché"), max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = registry.choices()


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Réponse de l'institution"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=50_000,
        help_text=_("Ce qui a été retenu, ce qui ne l'a pas été et pourquoi, et la suite. Markdown accepté."),
    )


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail du compte"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)

    def clean_email(self):
        from django.contrib.auth import get_user_model

        email = self.cleaned_data["email"].lower()
        user = get_user_model().objects.filter(email__iexact=email, is_active=True, deleted_at=None).first()
        if user is None:
            raise forms.ValidationError(
                _("Aucun compte actif n'utilise cette adresse : la personne doit d'abord s'inscrire.")
            )
        self.user = user
        return email


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "kind", "description", "website", "region", "departement"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
