from django import forms
from django.utils.translation import gettext_lazy as _


class PageForm(forms.Form):
    body = forms.CharField(
        label=_("Contenu"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=100_000,
        required=False,
        help_text=_("Markdown : titres (##), listes, liens. Le HTML est neutralisé."),
    )
