"""A local OpenID Connect provider for the FranceConnect / ProConnect tests.

Runs ``http.server`` in a thread on 127.0.0.1 (random port) and serves discovery,
authorize (redirects straight back with a code), token (ID token signed RS256, ES256 or
HS256 with the nonce it was given), userinfo (a signed JWT, ``application/jwt``, as
FranceConnect v2 and ProConnect answer), JWKS and end_session. ``tamper`` makes it
misbehave in one way so that tests can check the relying party refuses.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

TAMPER_MODES = frozenset(
    {
        "nonce",  # ID token carries another nonce
        "signature",  # ID token signed with a key that is not in the JWKS (same kid)
        "userinfo_signature",  # userinfo JWT signed with a key that is not in the JWKS
        "userinfo_sub",  # userinfo describes someone else
        "audience",  # ID token issued to another client
        "issuer",  # ID token from another issuer
        "expired",  # ID token already expired
        "alg_none",  # unsigned ID token
        "acr",  # ID token with a weaker authentication level than requested
    }
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeOIDCProvider:
    def __init__(self, client_id: str = "terreau-test-client", client_secret: str = "s" * 48) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        self.rogue_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.reset()

    # --- test controls -------------------------------------------------------------

    def reset(self) -> None:
        self.alg = "RS256"
        self.acr = "eidas1"
        self.tamper: set[str] = set()
        self.authorize_error = ""
        self.userinfo_as_jwt = True
        self.claims: dict[str, Any] = {
            "sub": "fc-sub-0001",
            "email": "angela.dubois@example.org",
            "given_name": "Angela Claire Louise",
            "family_name": "DUBOIS",
        }
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.end_session_requests: list[dict[str, str]] = []
        self.hits: dict[str, int] = {}

    @property
    def issuer(self) -> str:
        assert self.server is not None, "start() the provider first"
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeOIDCProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                provider.handle(self, "GET")

            def do_POST(self) -> None:
                provider.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # --- keys and tokens -----------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = RSAAlgorithm.to_jwk(self.rsa_key.public_key(), as_dict=True)
        ec_jwk = ECAlgorithm.to_jwk(self.ec_key.public_key(), as_dict=True)
        return {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"},
            ]
        }

    def sign(self, claims: dict[str, Any], *, rogue: bool = False) -> str:
        if self.alg == "RS256":
            key: Any = self.rogue_key if rogue else self.rsa_key
            kid = "rsa-1"
        elif self.alg == "ES256":
            key = ec.generate_private_key(ec.SECP256R1()) if rogue else self.ec_key
            kid = "ec-1"
        else:
            key = ("x" * 48) if rogue else self.client_secret
            kid = "hmac"
        return jwt.encode(claims, key, algorithm=self.alg, headers={"kid": kid})

    def unsigned(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "none", "kid": "rsa-1"}).encode())
        return f"{header}.{_b64(json.dumps(claims).encode())}."

    def discovery(self) -> dict[str, Any]:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/session/end",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
            "userinfo_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
        }

    # --- HTTP ------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(request.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.hits[url.path] = self.hits.get(url.path, 0) + 1
        if method == "GET" and url.path == "/.well-known/openid-configuration":
            return self.send_json(request, self.discovery())
        if method == "GET" and url.path == "/jwks":
            return self.send_json(request, self.jwks())
        if method == "GET" and url.path == "/authorize":
            return self.authorize(request, query)
        if method == "POST" and url.path == "/token":
            length = int(request.headers.get("Content-Length") or 0)
            form = {key: values[0] for key, values in parse_qs(request.rfile.read(length).decode()).items()}
            return self.token(request, form)
        if method == "GET" and url.path == "/userinfo":
            return self.userinfo(request)
        if method == "GET" and url.path == "/session/end":
            self.end_session_requests.append(query)
            return self.send(request, 200, "text/plain", b"logged out")
        return self.send(request, 404, "text/plain", b"not found")

    def send(self, request: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def send_json(self, request: BaseHTTPRequestHandler, data: dict[str, Any], status: int = 200) -> None:
        self.send(request, status, "application/json", json.dumps(data).encode())

    def redirect(self, request: BaseHTTPRequestHandler, location: str) -> None:
        request.send_response(302)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def authorize(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        self.authorize_requests.append(query)
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri or query.get("response_type") != "code":
            return self.send_json(request, {"error": "invalid_request"}, status=400)
        separator = "&" if "?" in redirect_uri else "?"
        if self.authorize_error:
            params = {"error": self.authorize_error, "state": query.get("state", "")}
            return self.redirect(request, f"{redirect_uri}{separator}{urlencode(params)}")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"nonce": query.get("nonce"), "redirect_uri": redirect_uri, "claims": dict(self.claims)}
        params = {"code": code, "state": query.get("state", "")}
        return self.redirect(request, f"{redirect_uri}{separator}{urlencode(params)}")

    def token(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        self.token_requests.append(form)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        grant = self.codes.pop(form.get("code", ""), None)
        if client_id != self.client_id or client_secret != self.client_secret:
            return self.send_json(request, {"error": "invalid_client"}, status=401)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return self.send_json(request, {"error": "invalid_grant"}, status=400)
        now = int(time.time())
        claims = grant["claims"]
        id_claims: dict[str, Any] = {
            "iss": "http://evil.example" if "issuer" in self.tamper else self.issuer,
            "sub": claims["sub"],
            "aud": "someone-else" if "audience" in self.tamper else self.client_id,
            "exp": now - 600 if "expired" in self.tamper else now + 60,
            "iat": now - 900 if "expired" in self.tamper else now,
            "nonce": "not-the-nonce" if "nonce" in self.tamper else grant["nonce"],
            "acr": "eidas0" if "acr" in self.tamper else self.acr,
        }
        if "alg_none" in self.tamper:
            id_token = self.unsigned(id_claims)
        else:
            id_token = self.sign(id_claims, rogue="signature" in self.tamper)
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = claims
        return self.send_json(
            request, {"access_token": access_token, "token_type": "Bearer", "expires_in": 60, "id_token": id_token}
        )

    def userinfo(self, request: BaseHTTPRequestHandler) -> None:
        authorization = request.headers.get("Authorization", "")
        claims = self.access_tokens.get(authorization.removeprefix("Bearer "))
        if not authorization.startswith("Bearer ") or claims is None:
            return self.send_json(request, {"error": "invalid_token"}, status=401)
        claims = dict(claims)
        if "userinfo_sub" in self.tamper:
            claims["sub"] = "someone-else"
        if not self.userinfo_as_jwt:
            return self.send_json(request, claims)
        now = int(time.time())
        token = self.sign(
            {**claims, "iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 60},
            rogue="userinfo_signature" in self.tamper,
        )
        return self.send(request, 200, "application/jwt; charset=utf-8", token.encode())
