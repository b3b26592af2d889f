"""What visitors, staff and API clients see; SECURITY.md #1 #2 #3 #4 #8 #12."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from terreau.processes.models import Process
from terreau.synthesis import queries, services
from terreau.synthesis.models import Synthesis

from .conftest import SOURCE

pytestmark = pytest.mark.django_db

XSS = '<svg onload=alert(1)>"><img src=x onerror=alert(1)>'


@pytest.fixture
def published(computed, inst_admin):
    theme = computed.themes.filter(parent=None).order_by("-n_authors").first()
    services.rename(inst_admin, theme, "Transports de nuit")
    services.set_summary(inst_admin, theme, "Un **résumé** de l'équipe.")
    return services.publish(inst_admin, computed)


def _urls(s: Synthesis) -> list[str]:
    return [
        f"/syntheses/{s.pk}/",
        f"/syntheses/{s.pk}/contributions/",
        f"/syntheses/{s.pk}/rapport/",
        f"/syntheses/{s.pk}/synthese.json",
        f"/syntheses/{s.pk}/themes.csv",
        f"/api/syntheses/{s.pk}",
        f"/api/syntheses/{s.pk}/contributions",
    ]


def test_draft_invisible_to_public_and_other_institutions(computed, other_admin, citizen, moderator, facilitator):
    for who in (None, citizen, other_admin, moderator):
        c = Client()
        if who:
            c.force_login(who)
        for url in _urls(computed):
            assert c.get(url).status_code == 404, (who, url)
    staff = Client()
    staff.force_login(facilitator)  # admins and facilitators of the institution see drafts
    page = staff.get(f"/syntheses/{computed.pk}/")
    assert page.status_code == 200 and "Brouillon" in page.text


def test_published_page_shows_themes_campaigns_rare_and_territories(client, published):
    page = client.get(f"/syntheses/{published.pk}/")
    assert page.status_code == 200
    html = page.text
    assert "Transports de nuit" in html and "<strong>résumé</strong>" in html
    assert "Modifié par l'équipe" in html and "renommé" in html and "résumé rédigé" in html
    assert "Ce texte a été déposé par 25 personnes" in html
    assert "ne sont pas des avis majoritaires" in html
    assert f'<img class="synthesis-map" src="/syntheses/{published.pk}/carte.svg"' in html and "<table" in html
    assert "style=" not in html.split("<main", 1)[1]
    theme = published.themes.get(label="Transports de nuit")
    assert f"?theme={theme.key}" in html


def test_map_is_an_image_of_distinct_authors_by_departement(client, published):
    response = client.get(f"/syntheses/{published.pk}/carte.svg")
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.startswith("<svg") and "<script" not in svg and svg.count("<path") >= 90
    counts = {row.code: row.n_authors for row in queries.territory_rows(published, [])}
    assert counts, "the fixture's authors have communes"
    code, n = next(iter(counts.items()))
    assert f"({code}) : {n}</title>" in svg


def test_process_page_links_to_the_published_synthesis_only(client, computed, inst_admin, commented_process):
    url = f"/demarches/{commented_process.slug}/"
    assert f"/syntheses/{computed.pk}/" not in client.get(url).text
    services.publish(inst_admin, computed)
    assert f'href="/syntheses/{computed.pk}/"' in client.get(url).text


def test_a_rare_argument_count_lists_every_contribution_behind_it(client, published):
    rare = queries.rare_arguments(published)
    assert rare, "the fixture has rare arguments"
    members = list(published.members.values_list("contribution_id", flat=True)[:2])
    rare[0]["contribution_ids"] = members  # as if its text had been posted twice
    published.data["rare_arguments"] = rare
    published.save(update_fields=["data"])
    page = client.get(f"/syntheses/{published.pk}/")
    link = f"/syntheses/{published.pk}/contributions/?rare={rare[0]['unit_id'].replace('#', '%23')}"
    assert link.replace("&", "&amp;") in page.text
    listed = client.get(f"/syntheses/{published.pk}/contributions/", {"rare": rare[0]["unit_id"]})
    assert listed.status_code == 200
    assert {m.contribution_id for m in listed.context["page_obj"]} == set(members)
    unknown = client.get(f"/syntheses/{published.pk}/contributions/", {"rare": "nope#0"})
    assert unknown.status_code == 200 and len(unknown.context["page_obj"]) == 0


def test_each_number_lists_its_contributions(client, published):
    theme = published.themes.get(label="Transports de nuit")
    page = client.get(f"/syntheses/{published.pk}/contributions/", {"theme": theme.key})
    assert page.status_code == 200
    assert f"{theme.n_contributions} contributions" in page.text
    assert page.text.count("/discussions/commentaire/") == min(theme.n_contributions, 50)
    campaign = max(published.data["campaigns"], key=lambda c: c["n_authors"])
    page = client.get(f"/syntheses/{published.pk}/contributions/", {"campagne": campaign["id"]})
    assert f"{campaign['n_contributions']} contributions" in page.text


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"order": "author__password"},
        {"author_key__startswith": "a"},
        {"theme": XSS},
        {"dep": "x" * 500},
    ],
)
def test_contribution_list_ignores_unknown_and_bad_parameters(client, published, params):
    page = client.get(f"/syntheses/{published.pk}/contributions/", params)
    assert page.status_code == 200
    assert "<svg onload" not in page.text and "<img src=x" not in page.text
    if "theme" not in params and "dep" not in params:  # unknown keys are ignored: the whole list
        assert f"{published.members.count()} contributions" in page.text


def test_draft_process_hides_a_published_synthesis(client, published, commented_process):
    Process.objects.filter(pk=commented_process.pk).update(status="draft")
    for url in _urls(published):
        assert client.get(url).status_code == 404, url


def test_labels_and_summaries_are_escaped(client, published, inst_admin):
    theme = published.themes.filter(parent=None).first()
    services.rename(inst_admin, theme, XSS)
    services.set_summary(inst_admin, theme, XSS + "\n\n[x](javascript:alert(1)) <script>alert(3)</script>")
    for url in (f"/syntheses/{published.pk}/", f"/syntheses/{published.pk}/rapport/"):
        html = client.get(url).text
        assert "<svg onload" not in html and "<img src=x" not in html and "<script>alert" not in html
        assert "javascript:" not in html
    staff = Client()
    staff.force_login(inst_admin)
    html = staff.get(f"/espace/syntheses/{published.pk}/").text
    assert "<svg onload" not in html and "<img src=x" not in html


def test_csv_exports_neutralise_formulas(client, published, inst_admin):
    theme = published.themes.filter(parent=None).first()
    services.rename(inst_admin, theme, '=HYPERLINK("https://evil.example")')
    for table in ("themes", "membership", "campaigns", "rare"):
        response = client.get(f"/syntheses/{published.pk}/{table}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) > 1, table
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")) or cell.lstrip("-").replace(".", "").isdigit(), cell
    assert client.get(f"/syntheses/{published.pk}/autre.csv").status_code == 404


def test_json_export(client, published):
    data = json.loads(client.get(f"/syntheses/{published.pk}/synthese.json").content)
    assert data["state"] == "published" and data["edits"] == {"rename": 1, "summary": 1}
    assert len(data["membership"]) == published.members.count()
    assert all("author_key" not in m for m in data["membership"])
    assert {"themes", "campaigns", "rare_arguments", "one_liners"} <= set(data)


def test_printable_report(client, published):
    page = client.get(f"/syntheses/{published.pk}/rapport/")
    assert page.status_code == 200 and "Rapport de synthèse" in page.text


def test_api_lists_and_reads_published_only(client, published, computed):
    listing = client.get("/api/syntheses").json()
    assert [s["id"] for s in listing] == [published.pk]
    detail = client.get(f"/api/syntheses/{published.pk}").json()
    assert detail["edits"]["rename"] == 1 and detail["themes"]
    page = client.get(f"/api/syntheses/{published.pk}/contributions", {"limit": 10}).json()
    assert page["count"] == published.members.count() and len(page["results"]) == 10
    assert page["results"][0]["url"].startswith("http://testserver/discussions/commentaire/")
    theme = published.themes.filter(parent=None).first()
    page = client.get(f"/api/syntheses/{published.pk}/contributions", {"theme": theme.key}).json()
    assert page["count"] == theme.n_contributions
    assert client.get("/api/syntheses/999999").status_code == 404
    assert client.get(f"/api/syntheses/{published.pk}/contributions", {"limit": "abc"}).status_code == 422


def test_staff_journey_by_post(computed, inst_admin):
    c = Client()
    c.force_login(inst_admin)
    a, b = computed.themes.filter(parent=None).order_by("position")[:2]
    assert c.get(f"/espace/syntheses/{computed.pk}/").status_code == 200
    assert c.get(f"/espace/syntheses/{computed.pk}/themes/{a.pk}/renommer/").status_code == 405
    c.post(f"/espace/syntheses/{computed.pk}/themes/{a.pk}/renommer/", {"label": "Renommé"})
    c.post(f"/espace/syntheses/{computed.pk}/themes/{b.pk}/fusionner/", {"into": a.pk})
    c.post(f"/espace/syntheses/{computed.pk}/themes/{a.pk}/resume/", {"summary": "Résumé"})
    response = c.post(f"/espace/syntheses/{computed.pk}/publier/")
    assert response.status_code == 302
    computed.refresh_from_db()
    assert computed.is_published
    assert services.edit_summary(computed) == {"rename": 1, "merge": 1, "summary": 1}


def test_staff_bad_inputs_change_nothing(computed, inst_admin):
    c = Client()
    c.force_login(inst_admin)
    theme = computed.themes.filter(parent=None).first()
    for url, data in (
        (f"/espace/syntheses/{computed.pk}/themes/{theme.pk}/renommer/", {"label": ""}),
        (f"/espace/syntheses/{computed.pk}/themes/{theme.pk}/fusionner/", {"into": "abc"}),
        (f"/espace/syntheses/{computed.pk}/themes/{theme.pk}/fusionner/", {"into": theme.pk}),
        (f"/espace/syntheses/{computed.pk}/deplacer/", {"contribution": "nope", "theme": theme.pk}),
        (f"/espace/syntheses/{computed.pk}/deplacer/", {"contribution": "1", "theme": "x"}),
        (f"/espace/syntheses/{computed.pk}/themes/{theme.pk}/scinder/", {"label": "N"}),
    ):
        response = c.post(url, data, follow=True)
        assert response.status_code == 200, url
        assert 'class="message message-error"' in response.text, url
    computed.refresh_from_db()
    assert computed.edit_log == []


def test_other_institution_staff_get_404_everywhere(computed, other_admin, commented_process):
    c = Client()
    c.force_login(other_admin)
    theme = computed.themes.first()
    assert c.get(f"/espace/syntheses/{computed.pk}/").status_code == 404
    assert c.get(f"/espace/demarches/{commented_process.slug}/syntheses/").status_code == 404
    assert c.get(f"/espace/syntheses/{computed.pk}/progression/").status_code == 404
    for url in (
        f"/espace/syntheses/{computed.pk}/themes/{theme.pk}/renommer/",
        f"/espace/syntheses/{computed.pk}/publier/",
        f"/espace/syntheses/{computed.pk}/relancer/",
    ):
        assert c.post(url, {"label": "X"}).status_code == 404
    assert c.post("/espace/syntheses/lancer/", {"source": SOURCE, "object_id": commented_process.pk}).status_code == 404
    computed.refresh_from_db()
    assert not computed.is_published and computed.runs.count() == 1


def test_backoffice_tab_and_start(commented_process, inst_admin, django_capture_on_commit_callbacks):
    c = Client()
    c.force_login(inst_admin)
    overview = c.get(f"/espace/demarches/{commented_process.slug}/")
    assert f"/espace/demarches/{commented_process.slug}/syntheses/" in overview.text
    page = c.get(f"/espace/demarches/{commented_process.slug}/syntheses/")
    assert "Commentaires de la démarche" in page.text and "Lancer la synthèse" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post("/espace/syntheses/lancer/", {"source": SOURCE, "object_id": commented_process.pk})
    synthesis = Synthesis.objects.get()
    assert response.url == f"/espace/syntheses/{synthesis.pk}/"
    page = c.get(response.url)
    assert "Terminé" in page.text and "Publier la synthèse" in page.text
    fragment = c.get(f"/espace/syntheses/{synthesis.pk}/progression/?polling=1")
    assert fragment["HX-Refresh"] == "true"


def test_hostile_contribution_texts_are_escaped_everywhere(client, computed, commented_process, inst_admin):
    from terreau.synthesis import demo_data

    from .conftest import participants

    hostile = [f"{XSS} Il faudrait des bus la nuit [x](javascript:alert(1)) {i}" for i in range(6)]
    demo_data.add_comments(commented_process, participants(6, prefix="x"), hostile, campaign_authors=0)
    services.run_now(computed, inst_admin)
    services.publish(inst_admin, computed)
    staff = Client()
    staff.force_login(inst_admin)
    for c, url in (
        (client, f"/syntheses/{computed.pk}/"),
        (client, f"/syntheses/{computed.pk}/contributions/"),
        (client, f"/syntheses/{computed.pk}/contributions/?page=4"),
        (client, f"/syntheses/{computed.pk}/rapport/"),
        (staff, f"/espace/syntheses/{computed.pk}/"),
    ):
        html = c.get(url).text
        assert "<svg onload" not in html and "<img src=x" not in html, url
    assert "&lt;svg onload" in client.get(f"/syntheses/{computed.pk}/contributions/?page=4").text  # shown, escaped
    body = client.get(f"/syntheses/{computed.pk}/synthese.json").content.decode()
    assert "<svg" not in body
