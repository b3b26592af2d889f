"""SECURITY.md checks that apply to accounts: enumeration, single-use links, language."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_password_reset_same_answer_for_known_and_unknown_email(client, citizen):
    known = client.post("/compte/password/reset/", {"email": citizen.email})
    unknown = client.post("/compte/password/reset/", {"email": "inconnu@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The known address receives the reset link; the unknown one only a notice, if anything.
    assert any(citizen.email in m.to for m in mail.outbox)
    assert not any("inconnu@example.org" in m.to and "/password/reset/key/" in m.body for m in mail.outbox)


def test_password_reset_link_is_single_use(client, citizen):
    client.post("/compte/password/reset/", {"email": citizen.email})
    link = re.search(r"https?://[^/\s]+(/compte/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new = "another-long-passphrase-2026"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(new)
    # Reusing the link does not allow a second change.
    response = client.get(link, follow=True)
    again = response.redirect_chain[-1][0] if response.redirect_chain else link
    client.post(again, {"password1": "yet-another-passphrase-99", "password2": "yet-another-passphrase-99"})
    citizen.refresh_from_db()
    assert citizen.check_password(new)


def test_email_confirmation_link_cannot_confirm_another_address(client, citizen):
    client.post(
        "/compte/signup/",
        {
            "email": "a@example.org",
            "display_name": "A",
            "kind": "citizen",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    key = re.search(r"/compte/confirm-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    tampered = key[:-3] + ("aaa" if not key.endswith("aaa") else "bbb")
    client.post(f"/compte/confirm-email/{tampered}/")
    assert not EmailAddress.objects.get(email="a@example.org").verified
    assert not EmailAddress.objects.filter(email="a@example.org", verified=True).exists()


def test_state_changes_are_post_only_with_csrf(citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    response = strict.post("/compte/supprimer/", {"confirm": "on"})
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.is_active and citizen.deleted_at is None
    assert strict.get("/compte/supprimer/?confirm=on").status_code == 200
    citizen.refresh_from_db()
    assert citizen.is_active


def test_english_interface(client, process):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Take part in the ecological and social transition" in html
    page = client.get(f"/demarches/{process.slug}/").content.decode()
    assert "Process commitments" in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "Engagements de la démarche" in client.get(f"/demarches/{process.slug}/").content.decode()


def test_disabled_account_loses_its_session(client, citizen):
    client.force_login(citizen)
    assert client.get("/compte/profil/").status_code == 200
    citizen.is_active = False
    citizen.save()
    assert client.get("/compte/profil/").status_code == 302


def test_login_cycles_the_session(client, citizen):
    client.get("/compte/login/")
    before = client.cookies.get("sessionid")
    client.post("/compte/login/", {"login": citizen.email, "password": PASSWORD})
    after = client.cookies.get("sessionid")
    assert after is not None and (before is None or before.value != after.value)
