import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from terreau.accounts.models import DELETED_NAME
from terreau.processes.models import Process
from tests.conftest import PASSWORD, make_process, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()

SIGNUP = {
    "email": "alix@example.org",
    "display_name": "Alix",
    "kind": "association",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def test_signup_requires_email_confirmation(client):
    response = client.post("/compte/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="alix@example.org")
    assert user.display_name == "Alix" and user.kind == "association"
    assert not user.is_verified_organisation
    assert len(mail.outbox) == 1
    # Not confirmed: login is refused (sent to the verification page).
    response = client.post("/compte/login/", {"login": "alix@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    key = re.search(r"/compte/confirm-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    assert client.get(f"/compte/confirm-email/{key}/").status_code == 200  # GET confirms nothing
    assert not EmailAddress.objects.get(email="alix@example.org").verified
    client.post(f"/compte/confirm-email/{key}/")
    assert EmailAddress.objects.get(email="alix@example.org").verified
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "override,message",
    [
        ({"password1": "court", "password2": "court"}, "trop court"),
        ({"password1": "password12345", "password2": "password12345"}, "trop courant"),
        ({"email": "pas-un-email"}, "adresse de courriel valide"),
        ({"display_name": ""}, "obligatoire"),
        ({"kind": "superuser"}, "choix valide"),
        ({"display_name": "x" * 500}, "au plus 80"),
    ],
)
def test_signup_bad_input(client, override, message):
    response = client.post("/compte/signup/", {**SIGNUP, **override})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_known_email_looks_the_same(client, citizen):
    """No account enumeration: the known address gets an email, not a different page."""
    first = client.post("/compte/signup/", {**SIGNUP, "email": "new@example.org"})
    client.logout()
    second = client.post("/compte/signup/", {**SIGNUP, "email": citizen.email})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert User.objects.filter(email=citizen.email).count() == 1


def test_login_is_rate_limited(client, citizen):
    for _ in range(6):
        client.post("/compte/login/", {"login": citizen.email, "password": "wrong-password"})
    response = client.post("/compte/login/", {"login": citizen.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_open_redirect_after_login_stays_on_site(client, citizen):
    for target in ["https://evil.example", "//evil.example", "/\\evil.example"]:
        client.logout()
        response = client.post(
            f"/compte/login/?next={target}", {"login": citizen.email, "password": PASSWORD, "next": target}
        )
        assert response.status_code == 302
        assert "evil.example" not in response["Location"], target


def test_profile_edit_and_commune(client, citizen):
    client.force_login(citizen)
    response = client.post(
        "/compte/profil/", {"display_name": "Camille D.", "kind": "expert", "commune_q": "", "commune": ""}
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.display_name == "Camille D." and citizen.kind == "expert"
    response = client.post("/compte/profil/", {"display_name": "", "kind": "robot"})
    assert response.status_code == 400
    citizen.refresh_from_db()
    assert citizen.display_name == "Camille D."


def test_my_data_download(client, citizen, institution):
    client.force_login(citizen)
    response = client.get("/compte/mes-donnees/telecharger/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == citizen.email
    assert data["email_addresses"][0]["verified"] is True
    client.logout()
    assert client.get("/compte/mes-donnees/telecharger/").status_code == 302


def test_account_deletion_anonymizes_and_keeps_objects(client, institution):
    from tests.conftest import member

    admin = member(institution, "admin")
    process = make_process(institution, slug="kept")
    Process.objects.filter(pk=process.pk).update(created_by=admin)
    client.force_login(admin)
    assert client.post("/compte/supprimer/", {}).status_code == 400  # confirmation box required
    response = client.post("/compte/supprimer/", {"confirm": "on"})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.public_name == DELETED_NAME
    assert "example.org" not in admin.email and not admin.is_active and not admin.has_usable_password()
    assert not EmailAddress.objects.filter(user=admin).exists() and not admin.memberships.exists()
    assert Process.objects.get(pk=process.pk).created_by_id == admin.pk
    assert "_auth_user_id" not in client.session
    assert (
        client.post("/compte/login/", {"login": "admin@ville-de-test.example.org", "password": PASSWORD}).status_code
        == 200
    )


def test_organisation_verification_is_staff_only(client, citizen):
    org = make_user("asso@example.org", name="Asso", kind="association")
    staff = make_user("staff@example.org", staff=True, totp=True)
    client.force_login(citizen)
    assert client.get("/compte/organisations/").status_code == 404
    assert client.post(f"/compte/organisations/{org.pk}/verifier/").status_code == 404
    org.refresh_from_db()
    assert not org.is_verified_organisation
    client.force_login(staff)
    assert "Asso" in client.get("/compte/organisations/").content.decode()
    client.post(f"/compte/organisations/{org.pk}/verifier/")
    org.refresh_from_db()
    assert org.is_verified_organisation
    client.post(f"/compte/organisations/{citizen.pk}/verifier/")
    citizen.refresh_from_db()
    assert citizen.organisation_verified_at is None
    # Changing kind drops the badge.
    client.force_login(org)
    client.post("/compte/profil/", {"display_name": "Asso", "kind": "company"})
    org.refresh_from_db()
    assert not org.is_verified_organisation
