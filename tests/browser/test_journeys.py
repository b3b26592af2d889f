"""The foundation's user journeys, in Chromium, with axe-core on every page visited."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from terreau.processes.models import Process
from tests.conftest import PASSWORD, make_process, member, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(v, email: str, *, with_totp: bool = False) -> None:
    v.goto("/compte/login/")
    v.page.get_by_label("Courriel").fill(email)
    v.page.get_by_label(re.compile(r"^Mot de passe\W*$")).fill(PASSWORD)
    v.page.get_by_role("button", name="Connexion").click()
    if with_totp:
        v.check()
        v.page.get_by_label("Code").fill(totp_code())
        v.page.get_by_role("button", name=re.compile("Connexion|Se connecter|S'identifier")).click()
    v.check()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_sign_up_confirm_log_in_set_commune(visitor_factory, javascript):
    v = visitor_factory(javascript=javascript)
    v.goto("/")
    v.page.get_by_role("link", name="Créer un compte").click()
    v.check()
    v.page.get_by_label("Courriel").fill("alix@example.org")
    v.page.get_by_label("Nom affiché").fill("Alix")
    v.page.get_by_label("Vous participez en tant que").select_option("association")
    v.page.get_by_label(re.compile(r"^Mot de passe\W*$")).fill(PASSWORD)
    v.page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    v.page.get_by_role("button", name="Création de compte").click()
    v.check()
    assert "Vérifiez votre adresse" in v.page.content() or "vérification" in v.page.content().lower()

    link = re.search(r"https?://\S+/compte/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    v.page.goto(link)
    v.check()
    v.page.get_by_role("button", name="Confirmer").click()
    v.check()
    assert v.page.url.endswith("/compte/profil/")

    v.goto("/compte/profil/")
    set_commune(v, "Lyon", javascript)
    v.page.get_by_role("button", name="Enregistrer").click()
    v.check()
    assert "Profil enregistré" in v.page.content()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email="alix@example.org")
    assert user.kind == "association" and user.commune_id == "69123"
    assert not user.is_verified_organisation


def set_commune(v, name: str, javascript: bool) -> None:
    from tests.browser.picker import choose_commune

    choose_commune(v, name, javascript)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_staff_creates_and_publishes_a_process(visitor_factory, institution, javascript):
    admin = member(institution, "admin")
    v = visitor_factory(javascript=javascript)
    log_in(v, admin.email, with_totp=True)
    v.goto("/espace/")
    v.page.get_by_role("link", name=institution.name).click()
    v.check()
    v.page.get_by_role("link", name="Nouvelle démarche").click()
    v.check()
    # An empty form: the error summary, nothing written.
    v.page.get_by_role("button", name="Créer le brouillon").click()
    v.check()
    assert v.page.locator("#error-summary").is_visible()
    assert not Process.objects.exists()
    v.page.get_by_label("Titre").fill("Plan vélo 2030")
    v.page.get_by_label("Résumé").fill("Où créer les prochaines pistes cyclables ?")
    v.page.get_by_label("Présentation détaillée (Markdown)").fill("Le plan **vélo** <script>alert(1)</script>")
    v.page.get_by_role("button", name="Créer le brouillon").click()
    v.check()
    # The contract.
    v.page.get_by_label("Objectif de la démarche").fill("Choisir les itinéraires prioritaires.")
    v.page.get_by_label("Qui décide").fill("Le conseil municipal.")
    v.page.get_by_label("Ce qui peut changer grâce à vos contributions").fill("Le tracé et l'ordre des travaux.")
    v.page.get_by_label("Ce qui n'est pas en discussion").fill("Le budget total.")
    v.page.get_by_label("Comment les contributions seront utilisées").fill("Une synthèse publique.")
    due = timezone.localdate() + datetime.timedelta(days=40)
    v.page.get_by_label("Date limite de la réponse de l'institution").fill(due.isoformat())
    v.page.get_by_role("button", name="Enregistrer les engagements").click()
    v.check()
    # A phase.
    v.page.get_by_label("Type d'étape").select_option("contribution")
    v.page.get_by_label("Titre").fill("Contributions")
    v.page.get_by_label("Début").fill((timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    v.page.get_by_label("Fin").fill((timezone.localdate() + datetime.timedelta(days=20)).isoformat())
    v.page.get_by_role("button", name="Enregistrer l'étape").click()
    v.check()
    v.page.get_by_role("link", name="Vue d'ensemble").click()
    v.check()
    v.page.get_by_role("button", name="Publier la démarche").click()
    v.check()
    assert Process.objects.get().status == "published"

    citizen = visitor_factory(javascript=javascript)
    citizen.goto("/")
    assert "Plan vélo 2030" in citizen.page.content()
    citizen.page.get_by_role("link", name="Plan vélo 2030").first.click()
    citizen.check()
    content = citizen.page.content()
    assert "Engagements de la démarche" in content and "Le budget total." in content
    assert "<script>alert(1)</script>" not in content
    assert "Réponse attendue le" in content


def test_late_answer_is_listed_then_leaves_the_list(visitor_factory, institution):
    admin = member(institution, "admin")
    late = make_process(institution, slug="plan-arbres", title="Plan arbres", due_in_days=-4, phase_offsets=(-40, -10))
    public = visitor_factory()
    public.goto("/reponses/")
    assert "En retard de 4 jours" in public.page.locator("#en-retard").inner_text()
    public.goto("/")
    assert "Plan arbres" in public.page.locator("aside").inner_text()

    v = visitor_factory()
    log_in(v, admin.email, with_totp=True)
    v.goto(f"/espace/demarches/{late.slug}/")
    v.page.get_by_role("link", name="Publier la réponse de l'institution").click()
    v.check()
    v.page.get_by_label("Réponse de l'institution").fill("Nous plantons 400 arbres cet hiver.")
    v.page.once("dialog", lambda dialog: dialog.accept())
    v.page.get_by_role("button", name="Publier la réponse").click()
    v.check()
    assert "Nous plantons 400 arbres" in v.page.content()

    public.goto("/reponses/")
    assert "Plan arbres" not in public.page.locator("#en-retard").inner_text()
    assert "avec 4 jours de retard" in public.page.locator("#publiees").inner_text()
