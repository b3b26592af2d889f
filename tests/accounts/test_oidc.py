"""FranceConnect / ProConnect login, driven end to end against a local fake provider."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from terreau.accounts import oidc
from terreau.accounts.models import OIDCIdentity, ParticipantKind
from tests.accounts.oidc_fake_provider import TAMPER_MODES, FakeOIDCProvider

User = get_user_model()


PROFILE_URL = "/compte/profil/"


@pytest.fixture(scope="module")
def fake_provider() -> Iterator[FakeOIDCProvider]:
    provider = FakeOIDCProvider().start()
    yield provider
    provider.stop()


def provider_settings(fake: FakeOIDCProvider, **extra: Any) -> dict[str, Any]:
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "issuer": fake.issuer,
        **extra,
    }


@pytest.fixture
def fake(fake_provider: FakeOIDCProvider, settings: Any, monkeypatch: pytest.MonkeyPatch) -> FakeOIDCProvider:
    fake_provider.reset()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    settings.OIDC_PROVIDERS = {
        "franceconnect": provider_settings(fake_provider, scopes="openid given_name family_name email"),
        "proconnect": provider_settings(fake_provider, scopes="openid email given_name usual_name siret"),
    }
    cache.clear()
    return fake_provider


def start_login(client: Client, provider: str = "franceconnect", next_url: str | None = None) -> str:
    """Start the login at Terreau; return the provider's authorize URL."""
    data = {"next": next_url} if next_url is not None else {}
    response = client.get(reverse("oidc:login", kwargs={"provider": provider}), data)
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    return response["Location"]


def visit_provider(authorize_url: str) -> str:
    """Follow the authorize URL at the fake provider; return the callback path + query."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    callback = urlsplit(response.headers["Location"])
    return f"{callback.path}?{callback.query}"


def login_flow(client: Client, provider: str = "franceconnect", next_url: str | None = None) -> HttpResponse:
    return client.get(visit_provider(start_login(client, provider, next_url)))


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def message_texts(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_refused(client: Client, response: HttpResponse) -> None:
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert logged_in_user_id(client) is None


# --- Happy paths ---------------------------------------------------------------------


@pytest.mark.django_db
def test_franceconnect_creates_verified_citizen_and_logs_in(client: Client, fake: FakeOIDCProvider) -> None:
    authorize_url = start_login(client)
    assert authorize_url.startswith(f"{fake.issuer}/authorize?")
    params = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    assert params["acr_values"] == "eidas1"
    assert params["scope"] == "openid given_name family_name email"
    assert params["redirect_uri"] == "http://testserver/compte/oidc/franceconnect/retour/"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32

    response = client.get(visit_provider(authorize_url))

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    user = User.objects.get(email="angela.dubois@example.org")
    assert logged_in_user_id(client) == str(user.pk)
    assert user.kind == ParticipantKind.CITIZEN
    assert user.display_name == "Angela D."
    assert not user.has_usable_password()
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("angela.dubois@example.org", True, True)
    identity = OIDCIdentity.objects.get(user=user)
    assert (identity.provider, identity.sub) == ("franceconnect", "fc-sub-0001")
    assert identity.last_login_at is not None
    # Later requests are authenticated through the backend's get_user().
    assert client.get(PROFILE_URL).wsgi_request.user == user
    # The token request carried the same redirect URI and the client credentials.
    assert fake.token_requests[-1]["redirect_uri"] == params["redirect_uri"]
    assert fake.token_requests[-1]["client_secret"] == fake.client_secret


@pytest.mark.django_db
def test_proconnect_creates_public_agent(client: Client, fake: FakeOIDCProvider) -> None:
    fake.claims = {
        "sub": "pc-sub-42",
        "email": "Agent.Public@Ville.example",
        "given_name": "Jean-Pierre",
        "usual_name": "Martin",
        "siret": "21750001600019",
    }
    authorize_url = start_login(client, "proconnect")
    params = parse_qs(urlsplit(authorize_url).query)
    assert "acr_values" not in params
    assert set(params["scope"][0].split()) >= {"openid", "siret", "usual_name", "email", "given_name"}

    response = client.get(visit_provider(authorize_url))

    assert response["Location"] == PROFILE_URL
    user = User.objects.get(email="agent.public@ville.example")
    assert user.kind == ParticipantKind.PUBLIC_AGENT
    assert user.display_name == "Jean-Pierre M."
    assert logged_in_user_id(client) == str(user.pk)
    assert OIDCIdentity.objects.filter(user=user, provider="proconnect", sub="pc-sub-42").exists()


@pytest.mark.django_db
def test_second_login_with_same_sub_finds_same_user(client: Client, fake: FakeOIDCProvider) -> None:
    login_flow(client)
    first = User.objects.get()
    client.logout()
    # The email changed at the provider: the subject, not the email, identifies the person.
    fake.claims = {**fake.claims, "email": "new.address@example.org"}

    response = login_flow(client)

    assert response["Location"] == PROFILE_URL
    assert User.objects.count() == 1
    assert logged_in_user_id(client) == str(first.pk)
    assert OIDCIdentity.objects.count() == 1


@pytest.mark.django_db
def test_existing_user_with_verified_email_is_linked(client: Client, fake: FakeOIDCProvider) -> None:
    user = User.objects.create_user(
        email="angela.dubois@example.org", password="x" * 16, display_name="Angie", kind=ParticipantKind.EXPERT
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    fake.claims = {**fake.claims, "email": "ANGELA.Dubois@example.org"}

    response = login_flow(client)

    assert response["Location"] == PROFILE_URL
    assert logged_in_user_id(client) == str(user.pk)
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert (user.display_name, user.kind) == ("Angie", ParticipantKind.EXPERT)
    assert user.has_usable_password()
    assert OIDCIdentity.objects.get().user == user


@pytest.mark.django_db
@pytest.mark.parametrize("address_state", ["unverified", "missing"])
def test_existing_user_with_unverified_email_is_refused(
    client: Client, fake: FakeOIDCProvider, address_state: str
) -> None:
    user = User.objects.create_user(email="angela.dubois@example.org", password="x" * 16)
    if address_state == "unverified":
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = login_flow(client)

    assert_refused(client, response)
    assert any("n'a pas été confirmée" in text for text in message_texts(response))
    assert User.objects.count() == 1
    assert not OIDCIdentity.objects.exists()
    assert not EmailAddress.objects.filter(verified=True).exists()


@pytest.mark.django_db
def test_account_with_second_factor_is_refused(client: Client, fake: FakeOIDCProvider) -> None:
    user = User.objects.create_user(email="angela.dubois@example.org", password="x" * 16)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})

    response = login_flow(client)

    assert_refused(client, response)
    assert any("double authentification" in text for text in message_texts(response))
    assert not OIDCIdentity.objects.exists()


@pytest.mark.django_db
def test_deleted_account_starts_afresh(client: Client, fake: FakeOIDCProvider) -> None:
    login_flow(client)
    old = User.objects.get()
    client.logout()
    EmailAddress.objects.filter(user=old).delete()
    User.objects.filter(pk=old.pk).update(
        email="supprime-1@invalid", is_active=False, deleted_at=timezone.now(), display_name=""
    )

    response = login_flow(client)

    assert response["Location"] == PROFILE_URL
    new = User.objects.get(email="angela.dubois@example.org")
    assert new.pk != old.pk
    assert logged_in_user_id(client) == str(new.pk)
    assert OIDCIdentity.objects.get().user == new


@pytest.mark.django_db
@pytest.mark.parametrize("algorithm", ["ES256", "HS256"])
def test_other_signature_algorithms(client: Client, fake: FakeOIDCProvider, settings: Any, algorithm: str) -> None:
    settings.OIDC_PROVIDERS = {"franceconnect": provider_settings(fake, sign_algo=algorithm)}
    fake.alg = algorithm

    response = login_flow(client)

    assert response["Location"] == PROFILE_URL
    assert logged_in_user_id(client) == str(User.objects.get().pk)


@pytest.mark.django_db
def test_higher_eidas_level_is_accepted(client: Client, fake: FakeOIDCProvider) -> None:
    fake.acr = "eidas2"
    assert login_flow(client)["Location"] == PROFILE_URL


@pytest.mark.parametrize(
    ("requested", "returned", "expected"),
    [
        ("eidas1", "eidas1", True),
        ("eidas1", "eidas3", True),
        ("eidas2", "eidas1", False),
        ("eidas1", None, False),
        ("eidas1", "", False),
        ("eidas1", "https://proconnect.gouv.fr/assurance/self-asserted", False),
        (
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
            True,
        ),
    ],
)
def test_acr_satisfies(requested: str, returned: str | None, expected: bool) -> None:
    assert oidc.acr_satisfies(requested, returned) is expected


@pytest.mark.django_db
def test_plain_json_userinfo_is_accepted(client: Client, fake: FakeOIDCProvider) -> None:
    fake.userinfo_as_jwt = False
    assert login_flow(client)["Location"] == PROFILE_URL
    assert logged_in_user_id(client) is not None


@pytest.mark.django_db
def test_discovery_document_is_cached(client: Client, fake: FakeOIDCProvider) -> None:
    login_flow(client)
    client.logout()
    login_flow(client)
    assert fake.hits["/.well-known/openid-configuration"] == 1
    assert fake.hits["/token"] == 2


# --- Refusals ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("mode", sorted(TAMPER_MODES))
def test_tampered_responses_are_refused(client: Client, fake: FakeOIDCProvider, mode: str) -> None:
    fake.tamper = {mode}

    response = login_flow(client)

    assert_refused(client, response)
    assert any("a échoué" in text for text in message_texts(response))
    assert not User.objects.exists()
    assert not OIDCIdentity.objects.exists()


@pytest.mark.django_db
def test_signature_algorithm_must_be_the_configured_one(client: Client, fake: FakeOIDCProvider, settings: Any) -> None:
    # Configured for RS256; an HS256 token (signed with the client secret) is refused.
    fake.alg = "HS256"
    assert_refused(client, login_flow(client))
    assert not User.objects.exists()


@pytest.mark.django_db
def test_callback_state_is_single_use(client: Client, fake: FakeOIDCProvider) -> None:
    callback = visit_provider(start_login(client))
    assert client.get(callback)["Location"] == PROFILE_URL
    client.logout()

    response = client.get(callback)

    assert_refused(client, response)
    assert any("expiré ou n'est pas valide" in text for text in message_texts(response))


@pytest.mark.django_db
def test_callback_without_a_started_login_is_refused(client: Client, fake: FakeOIDCProvider) -> None:
    response = client.get(reverse("oidc:callback", kwargs={"provider": "franceconnect"}), {"code": "x", "state": "y"})
    assert_refused(client, response)
    assert fake.hits.get("/token") is None


@pytest.mark.django_db
def test_state_is_bound_to_its_provider(client: Client, fake: FakeOIDCProvider) -> None:
    callback = visit_provider(start_login(client, "franceconnect"))
    elsewhere = callback.replace("/franceconnect/", "/proconnect/")

    response = client.get(elsewhere)

    assert_refused(client, response)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_error_from_provider(client: Client, fake: FakeOIDCProvider) -> None:
    fake.authorize_error = "access_denied"

    response = login_flow(client)

    assert_refused(client, response)
    assert any("n'a pas abouti" in text for text in message_texts(response))


@pytest.mark.django_db
def test_unreachable_provider(client: Client, fake: FakeOIDCProvider, settings: Any) -> None:
    settings.OIDC_PROVIDERS = {
        "franceconnect": {"client_id": "x", "client_secret": "y", "issuer": "http://127.0.0.1:9", "timeout": 2}
    }
    response = client.get(reverse("oidc:login", kwargs={"provider": "franceconnect"}))
    assert_refused(client, response)
    assert any("indisponible" in text for text in message_texts(response))


# --- Configuration -------------------------------------------------------------------


def render_buttons(**context: Any) -> str:
    request = RequestFactory().get("/compte/login/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.user = AnonymousUser()
    return html.unescape(
        render_to_string("accounts/includes/oidc_buttons.html", {**oidc.oidc_context(request), **context})
    )


@pytest.mark.django_db
def test_unconfigured_provider_has_no_button_and_404s(client: Client, fake: FakeOIDCProvider, settings: Any) -> None:
    settings.OIDC_PROVIDERS = {
        "franceconnect": provider_settings(fake),
        "proconnect": {**provider_settings(fake), "client_id": ""},
    }
    for name in ("login", "callback", "logout_return"):
        assert client.get(reverse(f"oidc:{name}", kwargs={"provider": "proconnect"})).status_code == 404
        assert client.get(reverse(f"oidc:{name}", kwargs={"provider": "inconnu"})).status_code == 404

    rendered = render_buttons()
    assert "S'identifier avec FranceConnect" in rendered
    assert "Qu'est-ce que FranceConnect ?" in rendered
    assert "ProConnect" not in rendered
    assert "<img" not in rendered and "style=" not in rendered and "<script" not in rendered


@pytest.mark.django_db
def test_no_provider_configured_renders_nothing(settings: Any) -> None:
    settings.OIDC_PROVIDERS = {"franceconnect": {"client_id": ""}, "proconnect": {"client_id": ""}}
    assert render_buttons().strip() == ""


@pytest.mark.django_db
def test_buttons_pass_next_on(fake: FakeOIDCProvider) -> None:
    rendered = render_buttons(redirect_field_value="/democraties/?tri=recent")
    assert "/compte/oidc/franceconnect/connexion/?next=/democraties/%3Ftri%3Drecent" in rendered
    assert "Se connecter avec ProConnect" in rendered


# --- Redirects -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_next_outside_the_site_is_ignored(client: Client, fake: FakeOIDCProvider, next_url: str) -> None:
    response = login_flow(client, next_url=next_url)
    assert response["Location"] == PROFILE_URL
    assert logged_in_user_id(client) is not None


@pytest.mark.django_db
def test_next_on_the_site_is_followed(client: Client, fake: FakeOIDCProvider) -> None:
    response = login_flow(client, next_url="/democraties/consultation/?onglet=avis")
    assert response["Location"] == "/democraties/consultation/?onglet=avis"


# --- Logout --------------------------------------------------------------------------


@pytest.mark.django_db
def test_logout_ends_the_provider_session(client: Client, fake: FakeOIDCProvider) -> None:
    login_flow(client)
    context = oidc.oidc_context(client.get(PROFILE_URL).wsgi_request)
    assert context["oidc_session_provider"].name == "franceconnect"

    response = client.post(reverse("oidc:logout"))

    assert logged_in_user_id(client) is None
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{fake.issuer}/session/end"
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert params["post_logout_redirect_uri"] == "http://testserver/compte/oidc/franceconnect/deconnexion/retour/"
    assert params["id_token_hint"].count(".") == 2
    assert params["state"]
    assert client.get(reverse("oidc:logout_return", kwargs={"provider": "franceconnect"}))["Location"] == "/"


@pytest.mark.django_db
def test_logout_without_provider_session(client: Client, fake: FakeOIDCProvider) -> None:
    user = User.objects.create_user(email="someone@example.org", password="x" * 16)
    client.force_login(user)

    response = client.post(reverse("oidc:logout"))

    assert response["Location"] == "/"
    assert logged_in_user_id(client) is None
    assert client.get(reverse("oidc:logout")).status_code == 405


@pytest.mark.django_db
def test_backends_ignore_password_logins(fake: FakeOIDCProvider) -> None:
    request = RequestFactory().get("/", {"code": "x", "state": "y"})
    for backend in (oidc.FranceConnectBackend(), oidc.ProConnectBackend()):
        assert backend.authenticate(request, email="a@example.org", password="x") is None
    assert oidc.FranceConnectBackend().authenticate(request, oidc_provider="proconnect", nonce="n") is None
