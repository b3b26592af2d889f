"""FranceConnect and ProConnect login through OpenID Connect.

Built on mozilla-django-oidc, which is configured with global ``OIDC_*`` settings for a
single provider. Here every provider reads its own configuration from
``settings.OIDC_PROVIDERS[name]`` (see ``PROVIDER_DEFAULTS`` for the optional keys) and
discovers its endpoints from ``<issuer>/.well-known/openid-configuration``. A provider
whose ``client_id`` (or ``issuer``) is empty is off: no button, its URLs answer 404.

What mozilla-django-oidc does for us: the token request, the ID token signature check
(RS*/ES* through the provider's JWKS, HS* with the client secret), the nonce check and
the signed userinfo (``application/jwt``). What is added here: per-provider settings,
the issuer/audience checks mozilla-django-oidc skips, the check that userinfo describes
the ID token's subject, state bound to its provider, user matching by ``(provider, sub)``
(``OIDCIdentity``), safe linking to existing accounts and RP-initiated logout.
See docs/oidc.md.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
    import_from_settings,
)
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from terreau.accounts.models import OIDCIdentity, ParticipantKind

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 60 * 60
# A login started more than this long ago is refused at the callback.
STATE_MAX_AGE_SECONDS = 15 * 60
# Session key remembering which provider (and ID token) the current session came from,
# for RP-initiated logout.
OIDC_SESSION_KEY = "terreau_oidc"
ALLOWED_SIGN_ALGOS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"})

# Keys a provider entry in settings.OIDC_PROVIDERS may set; settings values win.
COMMON_DEFAULTS: dict[str, Any] = {
    "client_id": "",
    "client_secret": "",
    "issuer": "",
    "scopes": "openid email",
    # Space-separated acr_values sent with the authorization request ("" = none).
    "acr_values": "",
    # Algorithm the provider signs ID tokens and userinfo with: RS*/ES* (checked against
    # the provider's JWKS) or HS* (checked with the client secret).
    "sign_algo": "RS256",
    # Seconds before a request to the provider (discovery, token, userinfo, JWKS) gives up.
    "timeout": 10,
    "use_pkce": False,
    # Send the client credentials with HTTP Basic (client_secret_basic) instead of in
    # the form body (client_secret_post).
    "token_basic_auth": False,
    # Other authorization request parameters, e.g. {"prompt": "login"}.
    "extra_params": {},
    # Accounts protected by a second factor (allauth MFA) cannot log in through this
    # provider unless this is True: the provider would bypass the TOTP prompt.
    "allow_mfa_accounts": False,
    # PEM public key to check signatures with instead of fetching the JWKS.
    "idp_sign_key": None,
}

PROVIDER_DEFAULTS: dict[str, dict[str, Any]] = {
    "franceconnect": {
        "label": "FranceConnect",
        "button_label": gettext_lazy("S'identifier avec FranceConnect"),
        "about_url": "https://franceconnect.gouv.fr/",
        "scopes": "openid given_name family_name email",
        "acr_values": "eidas1",
        "user_kind": ParticipantKind.CITIZEN,
    },
    "proconnect": {
        "label": "ProConnect",
        "button_label": gettext_lazy("Se connecter avec ProConnect"),
        "about_url": "https://www.proconnect.gouv.fr/",
        "scopes": "openid email given_name usual_name siret",
        "user_kind": ParticipantKind.PUBLIC_AGENT,
    },
}

# mozilla-django-oidc setting name -> key of the provider's discovery document.
ENDPOINT_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}


class OIDCLoginError(Exception):
    """A refused login whose message can be shown to the person."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = str(message)


class OIDCProviderUnavailable(OIDCLoginError):
    """The provider's discovery document could not be fetched or is not valid."""


# --- Provider configuration ----------------------------------------------------------


@dataclass(frozen=True)
class OIDCProvider:
    """One provider's configuration: PROVIDER_DEFAULTS merged with settings.OIDC_PROVIDERS."""

    name: str
    label: str
    button_label: str | Promise
    about_url: str
    user_kind: str
    client_id: str = ""
    client_secret: str = ""
    issuer: str = ""
    scopes: str = "openid email"
    acr_values: str = ""
    sign_algo: str = "RS256"
    timeout: float = 10
    use_pkce: bool = False
    token_basic_auth: bool = False
    extra_params: dict[str, str] = field(default_factory=dict)
    allow_mfa_accounts: bool = False
    idp_sign_key: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.issuer)

    @property
    def login_url(self) -> str:
        return reverse("oidc:login", kwargs={"provider": self.name})

    def callback_url(self, request: HttpRequest) -> str:
        return request.build_absolute_uri(reverse("oidc:callback", kwargs={"provider": self.name}))

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, cached for an hour."""
        return discover(self)

    def endpoint(self, key: str) -> str:
        url = self.metadata().get(key)
        if not url or not isinstance(url, str):
            raise OIDCProviderUnavailable(_("Le service de connexion est momentanément indisponible."))
        return url


def get_provider(name: str) -> OIDCProvider | None:
    """The named provider's configuration, or None if Terreau does not know it."""
    if name not in PROVIDER_DEFAULTS:
        return None
    configured = getattr(settings, "OIDC_PROVIDERS", {}).get(name) or {}
    values = {**COMMON_DEFAULTS, **PROVIDER_DEFAULTS[name], **configured}
    scopes = values["scopes"]
    if not isinstance(scopes, str):
        scopes = " ".join(scopes)
    scope_list = scopes.split()
    if "openid" not in scope_list:
        scope_list.insert(0, "openid")
    acr_values = values["acr_values"] or ""
    if not isinstance(acr_values, str):
        acr_values = " ".join(acr_values)
    sign_algo = str(values["sign_algo"]).upper()
    if sign_algo not in ALLOWED_SIGN_ALGOS:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS[{name!r}]['sign_algo'] must be one of {sorted(ALLOWED_SIGN_ALGOS)}")
    return OIDCProvider(
        name=name,
        label=values["label"],
        button_label=values["button_label"],
        about_url=values["about_url"],
        user_kind=values["user_kind"],
        client_id=(values["client_id"] or "").strip(),
        client_secret=values["client_secret"] or "",
        issuer=(values["issuer"] or "").strip(),
        scopes=" ".join(scope_list),
        acr_values=acr_values.strip(),
        sign_algo=sign_algo,
        timeout=float(values["timeout"]),
        use_pkce=bool(values["use_pkce"]),
        token_basic_auth=bool(values["token_basic_auth"]),
        extra_params=dict(values["extra_params"] or {}),
        allow_mfa_accounts=bool(values["allow_mfa_accounts"]),
        idp_sign_key=values["idp_sign_key"] or None,
    )


def enabled_providers() -> list[OIDCProvider]:
    """Configured providers, in display order."""
    providers = (get_provider(name) for name in PROVIDER_DEFAULTS)
    return [provider for provider in providers if provider is not None and provider.enabled]


def discover(provider: OIDCProvider) -> dict[str, Any]:
    """Fetch (or read from the cache) the provider's OpenID discovery document."""
    issuer = provider.issuer.rstrip("/")
    url = f"{issuer}/.well-known/openid-configuration"
    cache_key = "oidc:discovery:" + hashlib.sha256(url.encode()).hexdigest()
    document = cache.get(cache_key)
    if document is not None:
        return document
    unavailable = OIDCProviderUnavailable(_("Le service de connexion est momentanément indisponible."))
    try:
        response = requests.get(url, timeout=provider.timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OIDC discovery for %s failed: %s", provider.name, exc)
        raise unavailable from exc
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        logger.error("OIDC discovery for %s: the document's issuer does not match %s", provider.name, issuer)
        raise unavailable
    missing = [
        key for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint") if not document.get(key)
    ]
    if provider.sign_algo[:2] in ("RS", "ES") and not provider.idp_sign_key and not document.get("jwks_uri"):
        missing.append("jwks_uri")
    if missing:
        logger.error("OIDC discovery for %s lacks %s", provider.name, ", ".join(missing))
        raise unavailable
    cache.set(cache_key, document, DISCOVERY_CACHE_SECONDS)
    return document


class ProviderSettingsMixin:
    """Answers mozilla-django-oidc's ``get_settings`` from one provider's configuration."""

    provider: OIDCProvider

    def get_settings(self, attr: str, *args: Any) -> Any:
        provider = self.provider
        if attr in ENDPOINT_SETTINGS:
            return provider.endpoint(ENDPOINT_SETTINGS[attr])
        overrides: dict[str, Any] = {
            "OIDC_RP_CLIENT_ID": provider.client_id,
            "OIDC_RP_CLIENT_SECRET": provider.client_secret,
            "OIDC_RP_SCOPES": provider.scopes,
            "OIDC_RP_SIGN_ALGO": provider.sign_algo,
            "OIDC_RP_IDP_SIGN_KEY": provider.idp_sign_key,
            "OIDC_TIMEOUT": provider.timeout,
            "OIDC_USE_PKCE": provider.use_pkce,
            "OIDC_TOKEN_USE_BASIC_AUTH": provider.token_basic_auth,
            # Never negotiable: nonce checked, signatures required, TLS verified.
            "OIDC_USE_NONCE": True,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_VERIFY_SSL": True,
            "OIDC_STORE_ACCESS_TOKEN": False,
            "OIDC_STORE_ID_TOKEN": False,
            "LOGIN_REDIRECT_URL_FAILURE": settings.LOGIN_URL,
        }
        if attr in overrides:
            return overrides[attr]
        return import_from_settings(attr, *args)


# --- Authentication backends ---------------------------------------------------------


def _setting_property(name: str) -> property:
    return property(lambda self: self.get_settings(name))


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [str(item) for item in aud]
    return []


def acr_satisfies(requested: str, returned: Any) -> bool:
    """Whether the ``acr`` the provider returned meets the requested ``acr_values``.

    eIDAS levels are ordered: asking for eidas1 accepts eidas2 and eidas3.
    """
    if not isinstance(returned, str) or not returned:
        return False
    wanted = requested.split()
    if returned in wanted:
        return True
    levels = [int(value[5:]) for value in wanted if value.startswith("eidas") and value[5:].isdigit()]
    return bool(levels) and returned.startswith("eidas") and returned[5:].isdigit() and int(returned[5:]) >= min(levels)


def display_name_from_claims(claims: dict[str, Any]) -> str:
    """'Marie D.': first given name and the family name's initial."""
    given = str(claims.get("given_name") or "").split()
    first = given[0] if given else ""
    if first.isupper():
        first = first.title()
    family = str(claims.get("usual_name") or claims.get("family_name") or "").strip()
    initial = f"{family[0].upper()}." if family else ""
    return " ".join(part for part in (first, initial) if part)[:80]


class ProviderBackend(ProviderSettingsMixin, OIDCAuthenticationBackend):
    """Authenticates the person coming back from ``provider_name``.

    Called by ``django.contrib.auth.authenticate`` from the callback view with
    ``oidc_provider``; returns None for any other call, so it never answers for a
    password login or for another provider.
    """

    provider_name = ""

    OIDC_OP_TOKEN_ENDPOINT = _setting_property("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _setting_property("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _setting_property("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = _setting_property("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _setting_property("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _setting_property("OIDC_RP_SIGN_ALGO")
    OIDC_RP_IDP_SIGN_KEY = _setting_property("OIDC_RP_IDP_SIGN_KEY")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # OIDCAuthenticationBackend.__init__ reads every endpoint eagerly; Django builds a
        # backend for each request's get_user(), so endpoints are resolved lazily instead.
        self.UserModel = get_user_model()

    @cached_property
    def provider(self) -> OIDCProvider:  # type: ignore[override]
        provider = get_provider(self.provider_name)
        if provider is None:
            raise ImproperlyConfigured(f"Unknown OIDC provider {self.provider_name!r}")
        return provider

    def get_user(self, user_id: Any) -> Any:
        # mozilla-django-oidc's get_user ignores is_active; Django's does not.
        return ModelBackend.get_user(self, user_id)

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        oidc_provider: str | None = None,
        nonce: str | None = None,
        code_verifier: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or oidc_provider != self.provider_name or not self.provider.enabled:
            return None
        self.request = request
        code = request.GET.get("code")
        if not code or not nonce:
            return None
        token_payload = {
            "client_id": self.provider.client_id,
            "client_secret": self.provider.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.provider.callback_url(request),
        }
        if code_verifier:
            token_payload["code_verifier"] = code_verifier
        token_info = self.get_token(token_payload)
        id_token = token_info.get("id_token")
        access_token = token_info.get("access_token")
        if not id_token or not access_token:
            raise SuspiciousOperation("The token response lacks id_token or access_token.")
        # Signature (JWKS or client secret), expiry and nonce.
        payload = self.verify_token(id_token, nonce=nonce)
        self.validate_id_token_claims(payload)
        self.store_tokens(access_token, id_token)
        return self.get_or_create_user(access_token, id_token, payload)

    def validate_id_token_claims(self, payload: dict[str, Any]) -> None:
        """Issuer, audience and subject checks (mozilla-django-oidc skips them)."""
        issuer = self.provider.metadata()["issuer"]
        if payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token issuer mismatch.")
        audiences = _audiences(payload)
        if self.provider.client_id not in audiences:
            raise SuspiciousOperation("ID token audience mismatch.")
        if len(audiences) > 1 and payload.get("azp") != self.provider.client_id:
            raise SuspiciousOperation("ID token authorized party mismatch.")
        if "exp" not in payload:
            raise SuspiciousOperation("ID token without expiry.")
        if not payload.get("sub"):
            raise SuspiciousOperation("ID token without subject.")
        if self.provider.acr_values and not acr_satisfies(self.provider.acr_values, payload.get("acr")):
            raise SuspiciousOperation("ID token acr does not meet the requested acr_values.")

    def verification_key(self, token: str) -> Any:
        """The key that must have signed ``token``."""
        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
            return self.OIDC_RP_IDP_SIGN_KEY or self.retrieve_matching_jwk(token)
        return self.OIDC_RP_CLIENT_SECRET

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Userinfo claims (plain JSON or a signed JWT), checked to describe the ID token's subject."""
        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            verify=True,
            timeout=self.provider.timeout,
            proxies=import_from_settings("OIDC_PROXY", None),
        )
        response.raise_for_status()
        if response.headers.get("content-type", "").lower().startswith("application/jwt"):
            token = response.text.strip()
            claims = self.get_payload_data(token, self.verification_key(token))
            if "iss" in claims and claims["iss"] != self.provider.metadata()["issuer"]:
                raise SuspiciousOperation("Userinfo issuer mismatch.")
            if "aud" in claims and self.provider.client_id not in _audiences(claims):
                raise SuspiciousOperation("Userinfo audience mismatch.")
        else:
            claims = response.json()
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("Userinfo subject does not match the ID token.")
        return claims

    def store_tokens(self, access_token: str, id_token: str) -> None:
        # Kept on the request; the callback view stores it in the session after login
        # (login may flush the session), for the logout's id_token_hint.
        self.request.oidc_id_token = id_token

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        sub = str(payload["sub"])
        identity = OIDCIdentity.objects.select_related("user").filter(provider=self.provider_name, sub=sub).first()
        if identity is not None and identity.user.deleted_at is not None:
            # The account was deleted: the person starts afresh.
            identity.delete()
            identity = None
        if identity is not None:
            user = identity.user
            self.check_can_log_in(user)
        else:
            user = self.link_or_create_user(sub, claims)
        OIDCIdentity.objects.filter(provider=self.provider_name, sub=sub).update(last_login_at=timezone.now())
        return self.update_user(user, claims)

    def link_or_create_user(self, sub: str, claims: dict[str, Any]) -> Any:
        """First login with this subject: link to the account with this verified email, or create one.

        An existing account whose email was never verified is refused: anyone may have
        signed up with someone else's address, and linking would hand it the account.
        """
        label = self.provider.label
        email = str(claims.get("email") or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise OIDCLoginError(
                _("%(provider)s n'a pas transmis d'adresse e-mail valide : la connexion est impossible.")
                % {"provider": label}
            ) from None
        if claims.get("email_verified") is False:
            raise OIDCLoginError(
                _("%(provider)s n'a pas vérifié votre adresse e-mail : la connexion est impossible.")
                % {"provider": label}
            )
        try:
            with transaction.atomic():
                address = EmailAddress.objects.select_related("user").filter(email__iexact=email, verified=True).first()
                if address is not None:
                    user = address.user
                    self.check_can_log_in(user)
                elif self.UserModel.objects.filter(email__iexact=email).exists():
                    raise OIDCLoginError(
                        _(
                            "Un compte Terreau existe déjà avec cette adresse e-mail, mais elle n'a pas été "
                            "confirmée. Connectez-vous avec votre mot de passe et confirmez votre adresse, "
                            "puis utilisez à nouveau %(provider)s."
                        )
                        % {"provider": label}
                    )
                else:
                    user = self.create_user({**claims, "email": email})
                OIDCIdentity.objects.create(user=user, provider=self.provider_name, sub=sub)
        except IntegrityError as exc:
            # Two callbacks for the same person at once: the other one linked first.
            identity = OIDCIdentity.objects.select_related("user").filter(provider=self.provider_name, sub=sub).first()
            if identity is None:
                raise OIDCLoginError(_("La connexion a échoué. Veuillez réessayer.")) from exc
            user = identity.user
            self.check_can_log_in(user)
        return user

    def create_user(self, claims: dict[str, Any]) -> Any:
        email = claims["email"]
        user = self.UserModel.objects.create_user(
            email=email,
            password=None,
            display_name=display_name_from_claims(claims),
            kind=self.provider.user_kind,
        )
        # The provider verified the address.
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user

    def check_can_log_in(self, user: Any) -> None:
        if not user.is_active or user.deleted_at is not None:
            raise OIDCLoginError(_("Ce compte est désactivé."))
        if not self.provider.allow_mfa_accounts and Authenticator.objects.filter(user=user).exists():
            raise OIDCLoginError(
                _(
                    "Ce compte est protégé par une double authentification : connectez-vous avec votre "
                    "adresse e-mail, votre mot de passe et votre code."
                )
            )


class FranceConnectBackend(ProviderBackend):
    provider_name = "franceconnect"


class ProConnectBackend(ProviderBackend):
    provider_name = "proconnect"


# --- Views -----------------------------------------------------------------------------


def safe_next_url(request: HttpRequest, url: str | None) -> str | None:
    """``url`` if it is a path on this site, else None."""
    if not url or not url.startswith("/"):
        return None
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return None


class ProviderViewMixin(ProviderSettingsMixin):
    """Resolves the URL's provider; an unknown or unconfigured provider is a 404."""

    @method_decorator(never_cache)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider = get_provider(kwargs.get("provider", ""))
        if provider is None or not provider.enabled:
            raise Http404
        self.provider = provider
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def login_failure(self) -> HttpResponse:
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


class ProviderLoginView(ProviderViewMixin, OIDCAuthenticationRequestView):
    """Starts the login: stores state, nonce and ``next`` in the session, redirects to the provider."""

    http_method_names = ["get", "post"]

    def __init__(self, **kwargs: Any) -> None:
        # OIDCAuthenticationRequestView.__init__ reads global settings; the provider is
        # only known at dispatch.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest, provider: str) -> HttpResponse:
        try:
            authorization_endpoint = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except OIDCLoginError as exc:
            messages.error(request, exc.message)
            return self.login_failure()
        state = get_random_string(self.get_settings("OIDC_STATE_SIZE", 32))
        nonce = get_random_string(self.get_settings("OIDC_NONCE_SIZE", 32))
        params = {
            **self.get_extra_params(request),
            "response_type": "code",
            "scope": self.provider.scopes,
            "client_id": self.provider.client_id,
            "redirect_uri": self.provider.callback_url(request),
            "state": state,
            "nonce": nonce,
        }
        code_verifier = None
        if self.provider.use_pkce:
            code_verifier = get_random_string(64)
            params["code_challenge"] = generate_code_challenge(code_verifier, "S256")
            params["code_challenge_method"] = "S256"
        add_state_and_verifier_and_nonce_to_session(request, state, params, code_verifier)
        entry = request.session["oidc_states"][state]
        entry["provider"] = self.provider.name
        entry["next"] = safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
        request.session.modified = True
        separator = "&" if "?" in authorization_endpoint else "?"
        return HttpResponseRedirect(f"{authorization_endpoint}{separator}{urlencode(params)}")

    def post(self, request: HttpRequest, provider: str) -> HttpResponse:
        return self.get(request, provider)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        params = dict(self.provider.extra_params)
        if self.provider.acr_values:
            params["acr_values"] = self.provider.acr_values
        return params


class ProviderCallbackView(ProviderViewMixin, OIDCAuthenticationCallbackView):
    """The provider sends the person back here with ``code`` and ``state``."""

    next_url: str | None = None

    @property
    def failure_url(self) -> str:
        return resolve_url(settings.LOGIN_URL)

    @property
    def success_url(self) -> str:
        return self.next_url or resolve_url(settings.LOGIN_REDIRECT_URL)

    def get(self, request: HttpRequest, provider: str) -> HttpResponse:
        label = self.provider.label
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states")
        entry = states.pop(state, None) if isinstance(states, dict) and state else None
        if entry is not None:
            # Single use, whatever happens next.
            request.session.modified = True
        if request.GET.get("error"):
            logger.info("OIDC login with %s returned error %r", self.provider.name, request.GET.get("error"))
            messages.warning(request, _("La connexion avec %(provider)s n'a pas abouti.") % {"provider": label})
            return self.login_failure()
        if (
            not isinstance(entry, dict)
            or entry.get("provider") != self.provider.name
            or not request.GET.get("code")
            or time.time() - float(entry.get("added_on", 0)) > STATE_MAX_AGE_SECONDS
        ):
            messages.error(request, _("Cette demande de connexion a expiré ou n'est pas valide. Veuillez réessayer."))
            return self.login_failure()

        # As mozilla-django-oidc does: save, then reload the session so that parallel
        # tabs' changes made during the (slow) token exchange are not overwritten.
        request.session.save()
        request.session = request.session.__class__(request.session.session_key)
        try:
            user = auth.authenticate(
                request,
                oidc_provider=self.provider.name,
                nonce=entry.get("nonce"),
                code_verifier=entry.get("code_verifier"),
            )
        except OIDCLoginError as exc:
            logger.info("OIDC login with %s refused: %s", self.provider.name, exc)
            messages.error(request, exc.message)
            return self.login_failure()
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException, KeyError, TypeError, ValueError) as exc:
            logger.warning("OIDC login with %s failed: %s: %s", self.provider.name, type(exc).__name__, exc)
            user = None
        if user is None or not user.is_active:
            messages.error(
                request, _("La connexion avec %(provider)s a échoué. Veuillez réessayer.") % {"provider": label}
            )
            return self.login_failure()

        self.user = user
        self.next_url = entry.get("next")
        response = self.login_success()
        request.session[OIDC_SESSION_KEY] = {
            "provider": self.provider.name,
            "id_token": getattr(request, "oidc_id_token", ""),
        }
        return response


class ProviderLogoutView(View):
    """Logs out; if the session came from a provider, also ends the session there."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        redirect_to = resolve_url(settings.LOGOUT_REDIRECT_URL)
        data = request.session.get(OIDC_SESSION_KEY) if request.user.is_authenticated else None
        if isinstance(data, dict) and data.get("id_token"):
            provider = get_provider(str(data.get("provider", "")))
            end_session = None
            if provider is not None and provider.enabled:
                try:
                    end_session = provider.metadata().get("end_session_endpoint")
                except OIDCLoginError:
                    end_session = None
            if provider is not None and end_session:
                params = {
                    "id_token_hint": data["id_token"],
                    "state": get_random_string(32),
                    "post_logout_redirect_uri": request.build_absolute_uri(
                        reverse("oidc:logout_return", kwargs={"provider": provider.name})
                    ),
                }
                separator = "&" if "?" in end_session else "?"
                redirect_to = f"{end_session}{separator}{urlencode(params)}"
        auth.logout(request)
        return HttpResponseRedirect(redirect_to)


def logout_return(request: HttpRequest, provider: str) -> HttpResponse:
    """Where the provider sends the person back after its logout."""
    configured = get_provider(provider)
    if configured is None or not configured.enabled:
        raise Http404
    return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


# --- Templates -------------------------------------------------------------------------


def oidc_context(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``oidc_providers`` (configured providers, for the login buttons)
    and ``oidc_session_provider`` (the provider the current session came from, or None;
    the logout form should then post to ``oidc:logout``)."""
    session_provider = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        data = request.session.get(OIDC_SESSION_KEY)
        if isinstance(data, dict):
            session_provider = get_provider(str(data.get("provider", "")))
    return {"oidc_providers": enabled_providers(), "oidc_session_provider": session_provider}
