"""A petition's comments as a synthesis source: run from the staff page, linked once published."""

from __future__ import annotations

import random

import pytest
from django.contrib.contenttypes.models import ContentType

from terreau.petitions import demo_data
from terreau.petitions.hooks import SYNTHESIS_SOURCE_NAME
from terreau.petitions.models import Petition
from terreau.synthesis import services as synthesis
from terreau.synthesis.models import Synthesis
from terreau.synthesis.sources import get_source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate_synthesis_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def commented(open_petition) -> Petition:
    demo_data._add_comments(open_petition, random.Random(1))
    return open_petition


def test_the_source_reads_visible_comments_of_public_petitions(commented, pending_petition):
    source = get_source(SYNTHESIS_SOURCE_NAME)
    assert source is not None and source.model == "petitions.Petition"
    contributions = list(source.contributions(commented))
    assert len(contributions) == source.count(commented) >= 40
    assert any("cantine" in c.text for c in contributions)
    assert source.institution(commented) == commented.institution
    assert source.applies_to(commented) and not source.applies_to(pending_petition)


def test_addressee_admin_runs_it_from_the_staff_page(client, commented, inst_admin, django_capture_on_commit_callbacks):
    client.force_login(inst_admin)
    staff = client.get(f"/petitions/{commented.slug}/gestion/").content.decode()
    assert "Synthèse des commentaires" in staff and "Lancer la synthèse des commentaires" in staff
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/espace/syntheses/lancer/", {"source": SYNTHESIS_SOURCE_NAME, "object_id": commented.pk}
        )
    created = Synthesis.objects.get()
    assert response.url == f"/espace/syntheses/{created.pk}/"
    created.refresh_from_db()
    assert created.computed_at is not None and created.themes.exists()
    assert "Voir et modifier la synthèse" in client.get(f"/petitions/{commented.slug}/gestion/").content.decode()
    edit = client.get(response.url).content.decode()
    assert commented.title in edit and "Publier la synthèse" in edit
    # Not linked from the public page while it is a draft; linked once published.
    client.logout()
    assert f"/syntheses/{created.pk}/" not in client.get(f"/petitions/{commented.slug}/").content.decode()
    assert client.get(f"/syntheses/{created.pk}/").status_code == 404
    synthesis.publish(inst_admin, created)
    from django.core.cache import cache

    cache.clear()  # the anonymous page cache (a few seconds in production)
    page = client.get(f"/petitions/{commented.slug}/").content.decode()
    assert f"/syntheses/{created.pk}/" in page
    assert client.get(f"/syntheses/{created.pk}/").status_code == 200


def test_moderators_see_it_but_may_not_run_it(client, commented, moderator):
    client.force_login(moderator)
    staff = client.get(f"/petitions/{commented.slug}/gestion/").content.decode()
    assert "Réservé aux administrateur·rices" in staff and "Lancer la synthèse des commentaires" not in staff
    response = client.post("/espace/syntheses/lancer/", {"source": SYNTHESIS_SOURCE_NAME, "object_id": commented.pk})
    assert response.status_code == 404
    assert not Synthesis.objects.exists()


def test_other_institution_admin_and_citizens_cannot_run_it(client, commented, other_admin, other_citizen):
    for user in (other_admin, other_citizen):
        client.force_login(user)
        assert client.get(f"/petitions/{commented.slug}/gestion/").status_code == 404
        response = client.post(
            "/espace/syntheses/lancer/", {"source": SYNTHESIS_SOURCE_NAME, "object_id": commented.pk}
        )
        assert response.status_code == 404
    assert not Synthesis.objects.exists()


def test_no_synthesis_of_a_pending_petition(client, pending_petition, inst_admin):
    client.force_login(inst_admin)
    response = client.post(
        "/espace/syntheses/lancer/",
        {"source": SYNTHESIS_SOURCE_NAME, "object_id": pending_petition.pk, "next": "/petitions/"},
    )
    assert response.status_code == 302 and response.url == "/petitions/"
    assert not Synthesis.objects.filter(
        content_type=ContentType.objects.get_for_model(Petition), object_id=pending_petition.pk
    ).exists()
