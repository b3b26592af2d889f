"""Petition journeys in Chromium, with and without JavaScript, axe-core on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from terreau.petitions import services
from terreau.petitions.models import Petition, PetitionType, Signature
from terreau.processes.models import Process
from tests.browser.test_journeys import log_in
from tests.conftest import make_user, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.TERREAU_PETITION_FRAUD = {"enabled": False}


@pytest.fixture
def petition_type(institution):
    return PetitionType.objects.create(
        institution=institution, name="Pétition locale", answer_threshold=1, answer_days=30, escalation_threshold=2
    )


def open_petition(author, institution, petition_type, moderator) -> Petition:
    petition = services.draft_petition(
        author,
        title="Éteindre l'éclairage public la nuit",
        demand="Nous demandons l'extinction de l'éclairage public de minuit à 5 h.",
        institution=institution,
        petition_type=petition_type,
    )
    services.publish_petition(moderator, petition)
    petition.refresh_from_db()
    return petition


@JS
def test_draft_moderation_publish(visitor_factory, institution, petition_type, javascript):
    author = make_user("autrice@example.org", name="Autrice")
    moderator = member(institution, "moderator")
    v = visitor_factory(javascript=javascript)
    log_in(v, author.email)
    v.goto("/petitions/")
    v.page.get_by_role("link", name="Lancer une pétition").click()
    v.check()
    # Empty form: messages, nothing written.
    v.page.get_by_role("button", name="Envoyer à la modération").click()
    v.check()
    assert "Le formulaire contient des erreurs" in v.page.content()
    assert not Petition.objects.exists()
    v.page.get_by_label("Titre").fill("Des haies le long des chemins")
    v.page.get_by_label("Ce que vous demandez").fill("Plantez des haies le long des chemins communaux.")
    v.page.get_by_label("Institution destinataire").select_option(label=institution.name)
    v.page.get_by_role("button", name="Envoyer à la modération").click()
    v.check()
    assert "relue par la modération" in v.page.content() or "relecture" in v.page.content()
    petition = Petition.objects.get()
    assert petition.status == "pending"

    staff = visitor_factory(javascript=javascript)
    log_in(staff, moderator.email, with_totp=True)
    staff.goto("/petitions/moderation/")
    staff.page.get_by_role("link", name=petition.title).click()
    staff.check()
    staff.page.get_by_role("button", name="Publier la pétition").click()
    staff.check()
    assert "Pétition publiée" in staff.page.content()

    public = visitor_factory(javascript=javascript)
    public.goto("/petitions/")
    public.page.get_by_role("link", name=petition.title).click()
    public.check()
    assert public.page.get_by_role("link", name="Signer la pétition").is_visible()


@JS
def test_sign_confirm_count_and_already_signed(visitor_factory, citizen, institution, petition_type, javascript):
    moderator = member(institution, "moderator")
    petition = open_petition(citizen, institution, petition_type, moderator)
    v = visitor_factory(javascript=javascript, width=375, height=800)
    v.goto(petition.get_absolute_url())
    assert "0" in v.page.locator(".count strong").inner_text()
    v.page.get_by_role("link", name="Signer la pétition").click()
    v.check()
    v.page.get_by_label("Nom et prénom").fill("Alex Martin")
    v.page.get_by_label("Adresse e-mail").fill("alex.martin@example.org")
    v.page.get_by_label("ou votre code postal").fill("38380")
    v.page.get_by_label("Afficher mon nom sur la page de la pétition").check()
    v.page.get_by_role("button", name="Signer", exact=True).click()
    v.check()
    assert "Vérifiez votre boîte e-mail" in v.page.content()
    assert Signature.objects.get().confirmed_at is None

    path = re.search(r"/petitions/confirmer/[A-Za-z0-9_\-]+/", mail.outbox[-1].body).group(0)
    v.goto(path)
    v.page.get_by_role("button", name="Confirmer ma signature").click()
    v.check()
    assert "Merci, votre signature est confirmée" in v.page.content()
    assert v.page.locator(".count strong").inner_text() == "1"  # the exact count
    # The petition page is served from caches for at most a minute; past that, the new count.
    cache.clear()
    v.page.get_by_role("link", name="Revenir à la pétition").click()
    v.check()
    assert v.page.locator(".count strong").inner_text() == "1"
    assert "Alex Martin" in v.page.content() and "alex.martin@example.org" not in v.page.content()

    # Again with the same address (other case): the same page, an email, nothing written.
    mail.outbox.clear()
    v.goto(f"/petitions/{petition.slug}/signer/")
    v.page.get_by_label("Nom et prénom").fill("Alex M.")
    v.page.get_by_label("Adresse e-mail").fill("Alex.Martin@Example.org")
    v.page.get_by_label("Je vis hors de France").check()
    v.page.get_by_role("button", name="Signer", exact=True).click()
    v.check()
    assert "Vérifiez votre boîte e-mail" in v.page.content()
    assert Signature.objects.count() == 1
    assert "déjà signé" in mail.outbox[-1].subject


@JS
def test_threshold_answer_due_tracker_and_escalation(visitor_factory, citizen, institution, petition_type, javascript):
    moderator = member(institution, "moderator")
    admin = member(institution, "admin")
    petition = open_petition(citizen, institution, petition_type, moderator)
    signer = make_user("signataire@example.org", name="Signataire")

    v = visitor_factory(javascript=javascript)
    log_in(v, signer.email)
    v.goto(petition.get_absolute_url())
    v.page.get_by_role("link", name="Signer la pétition").click()
    v.check()
    v.page.get_by_role("button", name="Signer en un clic").click()
    v.check()
    assert "Merci, votre signature est enregistrée" in v.page.content()
    # Threshold N = 1 reached: the answer is due, in the platform's tracker.
    v.goto("/reponses/")
    assert v.page.get_by_role("link", name=petition.title).first.is_visible()
    # Signing again: a friendly "already signed", nothing written.
    v.goto(f"/petitions/{petition.slug}/signer/")
    v.page.get_by_role("button", name="Signer en un clic").click()
    v.check()
    assert "déjà signé" in v.page.content()
    assert Signature.objects.count() == 1

    services.sign_as_user(citizen, petition)  # M = 2: escalation possible
    staff = visitor_factory(javascript=javascript)
    log_in(staff, admin.email, with_totp=True)
    staff.goto(f"/petitions/{petition.slug}/gestion/")
    staff.page.get_by_role("button", name="Créer la consultation").click()
    staff.check()
    process = Process.objects.get()
    assert process.status == "draft" and process.modules.count() == 1
    assert Petition.objects.get().status == "escalated"
    staff.goto(petition.get_absolute_url())
    assert "Où cette pétition a mené" in staff.page.content()


@JS
def test_similar_petitions_shown_while_drafting(visitor_factory, citizen, institution, petition_type, javascript):
    moderator = member(institution, "moderator")
    existing = open_petition(citizen, institution, petition_type, moderator)
    author = make_user("autre@example.org", name="Autre")
    v = visitor_factory(javascript=javascript)
    log_in(v, author.email)
    v.goto("/petitions/nouvelle/")
    v.page.get_by_label("Titre").fill("Moins d'éclairage public dans les rues")
    if not javascript:
        v.page.get_by_role("button", name="Chercher des pétitions proches").click()
    v.page.get_by_role("link", name=existing.title).wait_for()
    v.check()
    assert not Petition.objects.filter(author=author).exists()


@JS
def test_cached_petition_page_and_language_switch(visitor_factory, citizen, institution, petition_type, javascript):
    """The anonymous page is public and cookie-free; its language form (a GET) still works."""
    moderator = member(institution, "moderator")
    petition = open_petition(citizen, institution, petition_type, moderator)
    v = visitor_factory(javascript=javascript)
    response = v.goto(petition.get_absolute_url())
    assert "public" in response.headers["cache-control"] and "set-cookie" not in response.headers
    assert v.page.context.cookies() == []
    v.page.get_by_label("Langue").select_option("en")
    v.page.get_by_role("button", name="Changer").click()
    v.check()
    assert v.page.url.endswith(petition.get_absolute_url())
    assert v.page.locator("html").get_attribute("lang") == "en"
    assert [c["name"] for c in v.page.context.cookies()] == ["django_language"]
    # Signing is one click away, on its own page.
    v.page.get_by_role("link", name=re.compile("Signer|Sign")).click()
    v.check()
    assert v.page.url.endswith(f"/petitions/{petition.slug}/signer/")


def test_citizen_comments_and_staff_edits_a_petition_type(visitor_factory, citizen, institution, petition_type):
    """One run with JavaScript (the comment block works without it: tests/browser/test_comments_journey.py)."""
    from terreau.discussions.models import Comment

    moderator = member(institution, "moderator")
    admin = member(institution, "admin")
    petition = open_petition(make_user("autrice@example.org", name="Autrice"), institution, petition_type, moderator)

    v = visitor_factory(javascript=True)
    log_in(v, citizen.email)
    v.goto(f"/petitions/{petition.slug}/")
    v.page.get_by_label("Votre commentaire").fill("Les oiseaux migrateurs nous remercieront.")
    v.page.get_by_role("button", name="Publier le commentaire").click()
    v.page.locator(".comment-body", has_text="Les oiseaux migrateurs").wait_for()
    v.check()
    comment = Comment.objects.get()
    assert comment.institution_id == institution.pk and comment.process_id is None

    s = visitor_factory(javascript=True)
    log_in(s, admin.email, with_totp=True)
    s.goto(f"/espace/institutions/{institution.slug}/")
    s.page.get_by_role("link", name="Types de pétition et seuils").click()
    s.check()
    s.page.get_by_role("link", name="Modifier Pétition locale").click()
    s.check()
    s.page.get_by_label("Seuil de saisine (signatures)").fill("0")
    s.page.get_by_role("button", name="Enregistrer").click()
    s.check()
    assert "indiquez un nombre entier positif" in s.page.content()
    s.page.get_by_label("Seuil de réponse (signatures)").fill("300")
    s.page.get_by_label("Seuil de saisine (signatures)").fill("1500")
    s.page.get_by_role("button", name="Enregistrer").click()
    s.page.get_by_text("Type de pétition enregistré.").wait_for()
    s.check()
    petition_type.refresh_from_db()
    assert (petition_type.answer_threshold, petition_type.escalation_threshold) == (300, 1500)
