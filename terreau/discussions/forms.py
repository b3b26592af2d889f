import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from terreau.discussions import services
from terreau.discussions.models import BODY_MAX


def new_token() -> str:
    return secrets.token_hex(16)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": BODY_MAX}),
        strip=False,
        required=False,  # clean_body() gives the message
        help_text=_("5 000 caractères au plus. Markdown simple : **gras**, *italique*, listes, liens."),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, label=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("token", new_token())
        super().__init__(*args, **kwargs)
        if label:
            self.fields["body"].label = label

    def clean_body(self) -> str:
        try:
            return services.clean_body(self.cleaned_data.get("body", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["body"]) from exc


class EditForm(CommentForm):
    token = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label=_("Modifier le commentaire"), **kwargs)
        self.fields.pop("token", None)
