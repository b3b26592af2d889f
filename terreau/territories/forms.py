"""A commune picker for any Django form: works without JavaScript, enhanced with htmx.

    from terreau.territories.forms import CommuneField, picker_redisplay, picker_search_requested

    class ProfileForm(forms.ModelForm):
        commune = CommuneField(label=_("Commune de résidence"), required=False)

    def edit_profile(request):
        form = ProfileForm(request.POST or None, instance=request.user)
        if picker_search_requested(request):
            picker_redisplay(form)  # the "Rechercher" button was pressed: show results, save nothing
        elif request.method == "POST" and form.is_valid():
            form.save()
            return redirect(...)
        return render(request, "...", {"form": form})

The widget renders a search input `<name>_q`, a "Rechercher" submit button
(name "_picker", value `<name>`) and the matching communes as radio buttons `<name>`
(value: INSEE code). Without JavaScript the button re-submits the host form, whose view
re-displays it with the results; with htmx the list follows the typing. See
docs/territories.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from terreau.territories.models import Commune
from terreau.territories.queries import (
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    commune_matches,
    query_matches_commune,
    resolve_commune,
    search_communes,
)

PICKER_BUTTON = "_picker"
RESULTS_LIMIT = 20
_COMMUNE_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")
# Names and ids that may travel in the htmx request and come back in the fragment.
SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")


@dataclass(frozen=True)
class PickerValue:
    """What the picker submits: the chosen INSEE code and the text typed in the search box."""

    code: str = ""
    query: str = ""


def as_picker_value(value: Any) -> PickerValue:
    if isinstance(value, PickerValue):
        return value
    if isinstance(value, Commune):
        return PickerValue(code=value.pk)
    if value in (None, ""):
        return PickerValue()
    return PickerValue(code=str(value))


def get_commune(code: str) -> Commune | None:
    code = code.strip().upper()
    if not _COMMUNE_CODE.fullmatch(code):
        return None
    return Commune.objects.filter(pk=code).first()


def picker_status(query: str, count: int, more: bool = False) -> str:
    """The sentence announced (aria-live) after a search of `count` shown results."""
    if not query.strip():
        return ""
    if not count:
        return str(_("Aucune commune ne correspond. Vérifiez l'orthographe ou essayez le code postal."))
    if more:
        return str(
            _("Plus de %(count)d communes correspondent : précisez votre recherche (nom complet ou code postal).")
            % {"count": count}
        )
    return ngettext(
        "%(count)d commune correspond à votre recherche.", "%(count)d communes correspondent à votre recherche.", count
    ) % {"count": count}


def search_with_more(query: str, limit: int) -> tuple[list[Commune], bool]:
    """The first `limit` results, and whether there are more."""
    limit = max(1, min(limit, MAX_LIMIT))
    if not query.strip():
        return [], False
    results = search_communes(query, limit=limit + 1)
    return results[:limit], len(results) > limit


def picker_context(*, name: str, base_id: str, query: str, code: str, required: bool, limit: int) -> dict[str, Any]:
    """Everything the options list needs; shared by the widget and the htmx endpoint."""
    query = query[:MAX_QUERY_LENGTH]
    selected = get_commune(code) if code else None
    results, more = search_with_more(query, limit)
    if selected is not None and selected not in results and query.strip():
        # Keep the checked commune only while the search text still matches it, as
        # CommuneField.to_python does: otherwise the text decides.
        selected = selected if query_matches_commune(query, selected) else None
    communes = results if selected is None or selected in results else [selected, *results]
    options = [
        {"value": c.pk, "label": c.label, "checked": c == selected, "id": f"{base_id}_{i}"}
        for i, c in enumerate(communes)
    ]
    if options and not required and selected is not None:
        none_label = _("Ne pas indiquer de commune")
        options.append({"value": "", "label": none_label, "checked": False, "id": f"{base_id}_none"})
    return {
        "name": name,
        "id": base_id,
        "query": query,
        "options": options,
        "status": picker_status(query, len(results), more),
        "options_url": reverse("territories:commune_options")
        + "?"
        + urlencode({"field": name, "id": base_id, "required": int(required), "limit": limit}),
    }


class CommunePickerWidget(forms.Widget):
    template_name = "territories/widgets/commune_picker.html"
    # Django's form templates wrap the widget in <fieldset><legend>label</legend>.
    use_fieldset = True
    results_limit = RESULTS_LIMIT

    def value_from_datadict(self, data, files, name: str) -> PickerValue:
        return PickerValue(
            code=(data.get(name) or "")[:10].strip(),
            query=(data.get(f"{name}_q") or "")[:MAX_QUERY_LENGTH],
        )

    def value_omitted_from_data(self, data, files, name: str) -> bool:
        return name not in data and f"{name}_q" not in data

    def id_for_label(self, id_: str) -> str:
        # Labels and error links point at the search box.
        return f"{id_}_q" if id_ else id_

    def use_required_attribute(self, initial: Any) -> bool:
        # The search box may stay empty once a commune is checked.
        return False

    def format_value(self, value: Any) -> PickerValue:  # type: ignore[override]
        return as_picker_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base_id = widget["attrs"].get("id") or f"id_{name}"
        if not SAFE_NAME.fullmatch(base_id):
            base_id = "id_" + re.sub(r"[^A-Za-z0-9_-]", "_", name)[:90]
        picker = picker_context(
            name=name,
            base_id=base_id,
            query=widget["value"].query,
            code=widget["value"].code,
            required=self.is_required,
            limit=self.results_limit,
        )
        described_by = [f"{base_id}_q_help"]
        if widget["attrs"].get("aria-invalid"):
            described_by.append(f"{base_id}_error")
        widget["attrs"] = {
            **widget["attrs"],
            "id": f"{base_id}_q",
            "maxlength": MAX_QUERY_LENGTH,
            "autocomplete": "off",
            "spellcheck": "false",
            "aria-describedby": " ".join(described_by),
            "aria-controls": f"{base_id}_results",
        }
        widget["htmx_attrs"] = {
            "hx-get": picker["options_url"],
            "hx-target": f"#{base_id}_results",
            "hx-include": f"#{base_id}_picker",
            "hx-sync": f"#{base_id}_picker:replace",
        }
        context["picker"] = picker
        return context


class CommuneField(forms.Field):
    """A commune, chosen with CommunePickerWidget; cleans to a Commune (or None)."""

    widget = CommunePickerWidget
    default_error_messages = {
        "required": _("Indiquez votre commune : tapez son nom ou son code postal, puis choisissez-la dans la liste."),
        "invalid_choice": _("Commune inconnue. Choisissez votre commune dans la liste."),
        "ambiguous": _("Plusieurs communes correspondent à « %(query)s ». Choisissez votre commune dans la liste."),
        "not_found": _(
            "Aucune commune ne correspond à « %(query)s ». Vérifiez l'orthographe ou essayez le code postal, "
            "puis choisissez votre commune dans la liste."
        ),
    }

    def __init__(self, *, results_limit: int = RESULTS_LIMIT, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Commune"))
        super().__init__(**kwargs)
        self.widget.results_limit = results_limit

    def to_python(self, value: Any) -> Commune | None:
        """A checked commune wins, unless the search text was changed to something it does
        not match; otherwise the search text must designate a single commune."""
        value = as_picker_value(value)
        query = value.query.strip()
        if value.code:
            commune = get_commune(value.code)
            if commune is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            if not query or query_matches_commune(query, commune):
                return commune
        if not query:
            return None
        commune = resolve_commune(query)
        if commune is None:
            code = "ambiguous" if commune_matches(query).exists() else "not_found"
            raise ValidationError(self.error_messages[code], code=code, params={"query": query})
        return commune

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            new = self.to_python(data)
        except ValidationError:
            return True
        return as_picker_value(initial).code != (new.pk if new else "")


def picker_search_requested(request: HttpRequest) -> bool:
    """True when a picker's "Rechercher" button submitted the host form (no JavaScript).

    The view must then re-display the bound form (see picker_redisplay), not save it.
    """
    data = request.POST if request.method == "POST" else request.GET
    return bool(data.get(PICKER_BUTTON))


def picker_redisplay[F: forms.BaseForm](form: F) -> F:
    """Prepare a bound form to be shown again after a picker search.

    The entered values and the search results are shown, without validation messages
    (the user asked for a search, not to submit), and the form never counts as valid.
    """
    form._errors = ErrorDict()
    form.cleaned_data = {}
    form.is_valid = lambda: False  # type: ignore[method-assign]  # never save a search round-trip
    return form
