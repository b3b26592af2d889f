import re

import pytest
from django import forms
from django.test import RequestFactory

from terreau.accounts.models import User
from terreau.territories.forms import CommuneField, PickerValue, picker_redisplay, picker_search_requested
from tests.territories.conftest import OptionalPickerForm, PickerForm

pytestmark = pytest.mark.django_db

CHOOSE = "Choisissez votre commune dans la liste"


def errors(form):
    return " ".join(form.errors.get("commune", []))


def test_selected_code(lyon):
    form = PickerForm({"commune": "69123", "commune_q": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"] == lyon


def test_selected_code_is_case_insensitive():
    form = PickerForm({"commune": "2a004"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"].name == "Ajaccio"


@pytest.mark.parametrize("q", ["Ajaccio", "2A004", "75016", "Paris"])
def test_query_designating_one_commune(q):
    form = PickerForm({"commune_q": q})
    assert form.is_valid(), form.errors


def test_ambiguous_query():
    form = PickerForm({"commune_q": "Saint-Denis"})
    assert not form.is_valid()
    assert "Plusieurs communes" in errors(form) and CHOOSE in errors(form)


def test_query_matching_nothing():
    form = PickerForm({"commune_q": "Zzyzx"})
    assert not form.is_valid()
    assert "Aucune commune" in errors(form) and CHOOSE.lower() in errors(form).lower()


@pytest.mark.parametrize("code", ["99999", "2C004", "<script>", "69123 OR 1=1", "x" * 500])
def test_unknown_code(code):
    form = PickerForm({"commune": code})
    assert not form.is_valid()
    assert CHOOSE in errors(form)


def test_required_and_optional():
    form = PickerForm({"commune": "", "commune_q": ""})
    assert not form.is_valid()
    assert "Indiquez votre commune" in errors(form)
    optional = OptionalPickerForm({"commune": "", "commune_q": ""})
    assert optional.is_valid()
    assert optional.cleaned_data["commune"] is None


def test_checked_commune_wins_over_a_query_it_matches(lyon):
    form = PickerForm({"commune": "69123", "commune_q": "lyon"})
    assert form.is_valid()
    assert form.cleaned_data["commune"] == lyon


def test_query_changed_after_choosing(paris):
    # Lyon was checked, then the user typed "Paris" and submitted without searching.
    form = PickerForm({"commune": "69123", "commune_q": "Paris"})
    assert form.is_valid()
    assert form.cleaned_data["commune"] == paris


def test_has_changed(lyon):
    field = CommuneField()
    assert not field.has_changed(lyon, PickerValue(code="69123"))
    assert not field.has_changed("69123", PickerValue(code="69123", query="lyon"))
    assert field.has_changed(lyon, PickerValue(code="75056"))
    assert field.has_changed(None, PickerValue(query="Saint-Denis"))
    assert not field.has_changed(None, PickerValue())


def test_model_form_sets_the_foreign_key(lyon, paris):
    class ProfileForm(forms.ModelForm):
        commune = CommuneField(label="Commune de résidence", required=False)

        class Meta:
            model = User
            fields = ["commune"]

    user = User.objects.create_user("camille@example.org", "x" * 16, commune=lyon)
    unbound = ProfileForm(instance=user)
    assert 'value="69123" id="id_commune_0" checked' in str(unbound["commune"])
    form = ProfileForm({"commune_q": "paris"}, instance=user)
    assert form.is_valid(), form.errors
    form.save()
    user.refresh_from_db()
    assert user.commune == paris


def test_render_unbound_with_initial(lyon):
    html = str(OptionalPickerForm(initial={"commune": lyon})["commune"])
    assert 'name="commune_q"' in html
    assert 'id="id_commune_q"' in html
    assert 'name="_picker" value="commune"' in html and "formnovalidate" in html
    assert re.search(r'<input type="radio" name="commune" value="69123" id="id_commune_0" checked>', html)
    assert "Lyon (69) — 69001, 69002…" in html
    assert 'value=""' in html  # "Ne pas indiquer de commune" on an optional field
    assert 'hx-get="/territoires/communes/choix/?field=commune&amp;id=id_commune&amp;required=0&amp;limit=20"' in html
    assert 'role="status"' in html
    # CSP: no inline script, style or event handler.
    assert "<script" not in html and "style=" not in html and "hx-on" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_render_bound_search_shows_results_and_keeps_selection():
    form = PickerForm({"commune": "42218", "commune_q": "saint-etienne", "_picker": "commune"})
    html = str(form["commune"])
    assert 'value="saint-etienne"' in html
    assert re.search(r'value="42218" id="id_commune_0" checked', html)
    assert 'value="76575"' in html  # Saint-Étienne-du-Rouvray
    assert "communes correspondent" in html


def test_selection_beyond_the_shown_results_stays_first_and_checked():
    # Saint-Denis-d'Orques (72) matches "saint" but is far from the 20 most populated.
    html = str(PickerForm({"commune": "72278", "commune_q": "saint"})["commune"])
    assert re.search(r'value="72278" id="id_commune_0" checked', html)
    assert html.count('type="radio"') == 21


def test_selection_not_matching_the_new_text_is_dropped():
    # As in to_python: the text typed after choosing decides.
    html = str(PickerForm({"commune": "69123", "commune_q": "paris"})["commune"])
    assert 'value="69123"' not in html
    assert 'value="75056"' in html and " checked" not in html


def test_render_escapes_the_query():
    html = str(PickerForm({"commune_q": '"><script>alert(1)</script>'})["commune"])
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_prefix_and_default_rendering_use_a_fieldset():
    form = PickerForm(prefix="profile")
    html = form.as_div()
    assert "<fieldset>" in html and "<legend>Commune de résidence" in html
    assert 'name="profile-commune_q"' in html and 'value="profile-commune"' in html
    assert 'for="id_profile-commune_q"' in html


def test_label_points_at_the_search_box():
    assert PickerForm()["commune"].id_for_label == "id_commune_q"


def test_no_required_attribute_on_the_search_box():
    assert " required" not in str(PickerForm()["commune"])


def test_picker_search_requested():
    factory = RequestFactory()
    assert picker_search_requested(factory.post("/", {"_picker": "commune", "commune_q": "lyon"}))
    assert not picker_search_requested(factory.post("/", {"commune_q": "lyon"}))
    assert picker_search_requested(factory.get("/", {"_picker": "commune"}))
    assert not picker_search_requested(factory.get("/"))


def test_picker_redisplay_hides_errors_and_is_never_valid():
    form = PickerForm({"commune_q": "Saint-Denis", "_picker": "commune"})
    picker_redisplay(form)
    assert not form.errors
    assert not form.is_valid()
    html = form.as_div()
    assert "Plusieurs communes" not in html
    assert 'value="93066"' in html


def test_status_says_when_results_are_cut():
    html = str(PickerForm({"commune_q": "saint"})["commune"])
    assert "Plus de 20 communes correspondent" in html
    assert html.count('type="radio"') == 20
    html = str(PickerForm({"commune_q": "lyon 69"})["commune"])
    assert "2 communes correspondent" in html
