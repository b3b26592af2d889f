"""Synthesis in Chromium, JavaScript on and off, axe-core on every page: staff run a synthesis,
rename and merge themes, write a summary and publish; a visitor reads it, follows a number to the
contributions behind it and opens the printable report."""

from __future__ import annotations

import random
import re

import pytest

from terreau.synthesis import demo_data
from terreau.synthesis.models import Synthesis
from tests.browser.test_journeys import log_in
from tests.conftest import make_process, member
from tests.synthesis.conftest import participants

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_staff_publish_and_visitor_reads(visitor_factory, institution, javascript):
    process = make_process(institution, slug="zfe", title="Zone à faibles émissions")
    demo_data.add_comments(process, participants(40), demo_data.corpus(random.Random(3), per_theme=16))
    admin = member(institution, "admin")

    v = visitor_factory(javascript=javascript)
    v.page.on("dialog", lambda dialog: dialog.accept())
    log_in(v, admin.email, with_totp=True)
    v.goto(f"/espace/demarches/{process.slug}/")
    v.page.get_by_role("link", name="Synthèse", exact=True).click()
    v.check()
    v.page.get_by_role("button", name="Lancer la synthèse").click()
    v.page.get_by_text("Terminé").first.wait_for()
    v.check()
    synthesis = Synthesis.objects.get()
    assert synthesis.themes.filter(parent=None).count() >= 2

    first = v.page.locator("article.theme-edit").nth(0)
    first.get_by_label("Renommer").fill("Transports la nuit")
    first.get_by_role("button", name="Renommer").click()
    v.page.get_by_text("Thème renommé.").wait_for()
    v.check()
    second = v.page.locator("article.theme-edit").nth(1)
    second.get_by_role("combobox", name="Fusionner dans").select_option(index=0)
    second.get_by_role("button", name="Fusionner").click()
    v.page.get_by_text("Thèmes fusionnés.").wait_for()
    v.check()
    renamed = synthesis.themes.get(label="Transports la nuit")
    first = v.page.locator(f"#theme-{renamed.key}")
    first.get_by_label("Résumé éditorial (Markdown)").fill("Les horaires **décalés** reviennent souvent.")
    first.get_by_role("button", name="Enregistrer le résumé").click()
    v.page.get_by_text("Résumé enregistré.").wait_for()
    v.page.get_by_role("button", name="Publier la synthèse").click()
    v.page.get_by_text("Synthèse publiée.").wait_for()
    v.check()
    synthesis.refresh_from_db()
    assert synthesis.is_published

    reader = visitor_factory(javascript=javascript)
    reader.goto(f"/demarches/{process.slug}/")
    reader.page.get_by_role("link", name="Synthèse : Commentaires de la démarche").click()
    reader.page.get_by_role("heading", name="Synthèse des contributions").wait_for()
    reader.check()
    text = reader.page.locator("main").inner_text()
    assert "Transports la nuit" in text and "renommé" in text and "fusionné" in text
    assert "Ce texte a été déposé par 25 personnes" in text
    theme = synthesis.themes.get(label="Transports la nuit")
    reader.page.locator(f"#theme-{theme.key}").get_by_role(
        "link", name=f"{theme.n_contributions} contributions"
    ).click()
    reader.page.get_by_role("heading", name="Contributions derrière ce chiffre").wait_for()
    reader.check()
    assert reader.page.locator(".member-list li").count() == min(theme.n_contributions, 50)
    reader.page.locator(".member-list a").first.click()
    reader.page.wait_for_url(re.compile(r"/(discussions|demarches)/"))
    assert "/syntheses/" not in reader.page.url
    reader.goto(f"/syntheses/{synthesis.pk}/")
    reader.page.get_by_role("link", name="Rapport imprimable").click()
    reader.page.get_by_role("heading", name="Rapport de synthèse — Zone à faibles émissions").wait_for()
    reader.check()
