import re

import pytest

pytestmark = pytest.mark.django_db

URL = "/territoires/communes/"
OPTIONS_URL = "/territoires/communes/choix/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_urls_are_named():
    from django.urls import reverse

    assert reverse("territories:communes") == URL
    assert reverse("territories:commune_options") == OPTIONS_URL


def test_page_without_query(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'name="q"' in html
    assert "<table" not in html


def test_page_search_without_javascript(client):
    response = client.get(URL, {"q": "saint-etienne"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "Saint-Étienne" in html and "42218" in html and "Auvergne-Rhône-Alpes" in html
    assert 'value="saint-etienne"' in html
    assert "HX-Request" in response["Vary"]


def test_page_postcode_and_insee_code(client):
    assert "Lyon" in client.get(URL, {"q": "69001"}).content.decode()
    assert "Ajaccio" in client.get(URL, {"q": "2A004"}).content.decode()


def test_page_htmx_partial(client):
    response = client.get(URL, {"q": "lyon"}, HTTP_HX_TARGET="commune-results", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<table" in html and "69123" in html
    assert 'id="commune-status" hx-swap-oob="innerHTML"' in html


def test_page_history_restore_gets_the_full_page(client):
    response = client.get(URL, {"q": "lyon"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    "q", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "x" * 10_000, "\x00", "🙂"]
)
def test_page_hostile_queries_are_escaped(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    if q.startswith("<script>"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_no_inline_script_or_style(client):
    html = client.get(URL, {"q": "lyon"}).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html and "hx-on" not in html


def test_options_fragment(client):
    response = client.get(
        OPTIONS_URL, {"field": "commune", "id": "id_commune", "required": "1", "commune_q": "lyon"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<input type="radio" name="commune" value="69123" id="id_commune_0">' in html
    assert "Lyon (69) — 69001, 69002…" in html
    assert 'id="id_commune_status" hx-swap-oob="innerHTML"' in html
    assert "communes correspondent" in html


def test_options_fragment_keeps_the_checked_commune(client):
    params = {"field": "profile-commune", "id": "id_profile-commune", "required": "0"}
    response = client.get(OPTIONS_URL, {**params, "profile-commune_q": "lyo", "profile-commune": "69123"}, **HTMX)
    html = response.content.decode()
    assert 'name="profile-commune" value="69123" id="id_profile-commune_0" checked' in html
    assert 'value="27377"' in html  # Lyons-la-Forêt
    assert "Ne pas indiquer de commune" in html


def test_options_fragment_limit(client):
    params = {"field": "commune", "id": "id_commune", "commune_q": "saint"}
    assert client.get(OPTIONS_URL, {**params, "limit": "5"}).content.decode().count('type="radio"') == 5
    assert client.get(OPTIONS_URL, {**params, "limit": "x"}).content.decode().count('type="radio"') == 20
    assert client.get(OPTIONS_URL, {**params, "limit": "100000"}).content.decode().count('type="radio"') == 100


def test_options_fragment_empty_query(client):
    response = client.get(OPTIONS_URL, {"field": "commune", "id": "id_commune", "commune_q": ""}, **HTMX)
    assert response.status_code == 200
    assert "<li" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"field": "commune"},
        {"field": '"><script>', "id": "id_commune"},
        {"field": "commune", "id": "x onmouseover=alert(1)"},
        {"field": "c" * 200, "id": "id_commune"},
    ],
)
def test_options_fragment_rejects_unsafe_names(client, params):
    response = client.get(OPTIONS_URL, params, **HTMX)
    assert response.status_code == 400
    assert b"<script>" not in response.content


def test_options_fragment_escapes_the_query(client):
    html = client.get(
        OPTIONS_URL, {"field": "commune", "id": "id_commune", "commune_q": "<script>alert(1)</script>"}, **HTMX
    ).content.decode()
    assert "<script>" not in html


def test_host_form_round_trip_without_javascript(rf):
    """What a host view does: search button -> re-display with results; then save."""
    from django.template import Context, Template

    from terreau.territories.forms import picker_redisplay, picker_search_requested
    from tests.territories.conftest import PickerForm

    def view(request):
        form = PickerForm(request.POST or None)
        if picker_search_requested(request):
            picker_redisplay(form)
        elif request.method == "POST" and form.is_valid():
            return "saved", form.cleaned_data["commune"]
        return "shown", Template("{% include 'includes/form.html' %}").render(Context({"form": form}))

    state, html = view(rf.post("/", {"title": "", "commune_q": "lyon", "_picker": "commune"}))
    assert state == "shown"
    assert 'value="69123"' in html and "error-summary" not in html
    state, commune = view(rf.post("/", {"title": "", "commune_q": "lyon", "commune": "69123"}))
    assert state == "saved" and commune.code == "69123"
    state, html = view(rf.post("/", {"title": "", "commune_q": "saint-denis"}))
    assert state == "shown" and "error-summary" in html and "Plusieurs communes" in html
    assert 'value="93066"' in html  # the ambiguous results are listed to choose from
