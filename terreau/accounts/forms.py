from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from terreau.accounts.models import ParticipantKind
from terreau.territories.forms import CommuneField


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Nom affiché"),
        max_length=80,
        help_text=_("Visible sur vos contributions. Un prénom, un pseudonyme ou le nom de votre organisation."),
    )
    kind = forms.ChoiceField(label=_("Vous participez en tant que"), choices=ParticipantKind.choices)

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data["display_name"]
        user.kind = self.cleaned_data["kind"]
        user.save(update_fields=["display_name", "kind"])
        return user


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Nom affiché"), max_length=80)
    kind = forms.ChoiceField(label=_("Vous participez en tant que"), choices=ParticipantKind.choices)
    commune = CommuneField(
        label=_("Commune de résidence"),
        required=False,
        help_text=_("Facultatif. Permet de situer vos contributions sur le territoire."),
    )


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je comprends que mon compte sera supprimé définitivement "
            "et que mes textes seront signés « Participant supprimé »."
        ),
    )
