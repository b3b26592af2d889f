"""Petition types (thresholds) in the institution's back-office: admins only, validated, audited."""

from __future__ import annotations

import pytest

from terreau.audit.models import AuditEvent
from terreau.petitions.models import PetitionType
from tests.conftest import make_user, member

pytestmark = pytest.mark.django_db

VALID = {"name": "Pétition de quartier", "answer_threshold": "200", "answer_days": "45", "escalation_threshold": "800"}


def types_url(institution) -> str:
    return f"/espace/institutions/{institution.slug}/petitions/types/"


def test_admin_lists_creates_and_edits_types(client, inst_admin, institution, petition_type):
    client.force_login(inst_admin)
    board = client.get(f"/espace/institutions/{institution.slug}/").content.decode()
    assert types_url(institution) in board
    listing = client.get(types_url(institution)).content.decode()
    assert "Pétition locale" in listing
    response = client.post(types_url(institution) + "nouveau/", VALID)
    assert response.status_code == 302 and response["Location"] == types_url(institution)
    created = PetitionType.objects.get(name="Pétition de quartier")
    assert (created.answer_threshold, created.answer_days, created.escalation_threshold) == (200, 45, 800)
    event = AuditEvent.objects.get(kind="petition.type_created")
    assert event.data["answer_threshold"] == 200
    edit = types_url(institution) + f"{created.pk}/"
    assert 'value="200"' in client.get(edit).content.decode()
    response = client.post(edit, {**VALID, "answer_threshold": "250"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.answer_threshold == 250
    changed = AuditEvent.objects.get(kind="petition.type_changed")
    assert changed.data["changes"] == {"answer_threshold": [200, 250]}
    assert "250" in client.get(types_url(institution)).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"escalation_threshold": "100"}, "doit être au moins égal au seuil de réponse"),
        ({"answer_threshold": "0"}, "indiquez un nombre entier positif"),
        ({"answer_days": "-3"}, "indiquez un nombre entier positif"),
        ({"answer_days": "99999"}, "3\u202f650 au plus"),
        ({"answer_threshold": "beaucoup"}, "nombre entier"),
        ({"name": "  "}, "Ce champ est obligatoire"),
        ({"name": "pétition locale"}, "déjà un type de pétition de ce nom"),
    ],
)
def test_bad_input_gives_a_clear_message_and_writes_nothing(
    client, inst_admin, institution, petition_type, data, message
):
    client.force_login(inst_admin)
    before = list(PetitionType.objects.values_list("pk", "name", "answer_threshold", "escalation_threshold"))
    response = client.post(types_url(institution) + "nouveau/", {**VALID, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(PetitionType.objects.values_list("pk", "name", "answer_threshold", "escalation_threshold")) == before
    if "name" not in data:  # the same values on the edit form of an existing type
        response = client.post(types_url(institution) + f"{petition_type.pk}/", {**VALID, **data})
        assert response.status_code == 400 and message in response.content.decode()
    petition_type.refresh_from_db()
    assert (petition_type.answer_threshold, petition_type.escalation_threshold) == (3, 5)
    assert not AuditEvent.objects.filter(kind__startswith="petition.type_").exists()


def test_only_the_institutions_admins(client, institution, petition_type, moderator, other_admin, citizen):
    urls = [
        types_url(institution),
        types_url(institution) + "nouveau/",
        types_url(institution) + f"{petition_type.pk}/",
    ]
    for user in (moderator, other_admin, citizen, member(institution, "facilitator")):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            assert client.post(url, VALID).status_code == 404
        if user is moderator:
            board = client.get(f"/espace/institutions/{institution.slug}/").content.decode()
            assert types_url(institution) not in board
    client.logout()
    for url in urls:
        response = client.post(url, VALID)
        assert response.status_code == 302 and "/compte/login/" in response["Location"]
    assert PetitionType.objects.count() == 1


def test_another_institutions_type_is_not_reachable(client, inst_admin, other_institution):
    theirs = PetitionType.objects.create(
        institution=other_institution, name="Leur type", answer_threshold=10, answer_days=30, escalation_threshold=20
    )
    client.force_login(inst_admin)
    assert client.get(f"/espace/institutions/ville-de-test/petitions/types/{theirs.pk}/").status_code == 404


def test_platform_admin_may_edit(client, platform_admin, institution):
    client.force_login(platform_admin)
    assert client.post(types_url(institution) + "nouveau/", VALID).status_code == 302
    assert PetitionType.objects.filter(institution=institution).count() == 1


def test_service_refuses_non_admins(institution, citizen):
    from django.core.exceptions import PermissionDenied

    from terreau.petitions import services

    with pytest.raises(PermissionDenied):
        services.create_petition_type(citizen, institution, **VALID)
    stranger = make_user("x@example.org")
    with pytest.raises(PermissionDenied):
        services.create_petition_type(stranger, institution, **VALID)


def test_a_lowered_threshold_is_reached_at_once_by_the_petitions_past_it(
    client, inst_admin, institution, petition_type, open_petition
):
    import datetime

    from django.utils import timezone

    from tests.petitions.conftest import sign_and_confirm

    for i in range(2):
        sign_and_confirm(open_petition, f"signataire{i}@example.org")
    open_petition.refresh_from_db()
    assert open_petition.threshold_reached_at is None  # 2 of 3
    client.force_login(inst_admin)
    edit = types_url(institution) + f"{petition_type.pk}/"
    form = {"name": "Pétition locale", "answer_threshold": "2", "answer_days": "60", "escalation_threshold": "5"}
    assert client.post(edit, form).status_code == 302
    open_petition.refresh_from_db()
    assert open_petition.threshold_reached_at is not None
    assert open_petition.answer_due == timezone.localdate() + datetime.timedelta(days=60)
    assert open_petition.escalation_reached_at is None
    assert AuditEvent.objects.filter(kind="petition.threshold_reached").count() == 1
    # raising it again does not take back a threshold already reached, nor its date
    assert client.post(edit, {**form, "answer_threshold": "4"}).status_code == 302
    open_petition.refresh_from_db()
    assert open_petition.answer_due == timezone.localdate() + datetime.timedelta(days=60)
