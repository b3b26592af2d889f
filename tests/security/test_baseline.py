"""SECURITY.md baseline: production cookies, CSP on every HTML page, no inline script or style in
any page of the demo, a health endpoint that says nothing, uploads re-encoded, MFA for staff."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from terreau.processes.models import Institution, Process, ProcessModule

from .test_xss import citizen_urls, platform_urls, public_urls, staff_urls

ROOT = Path(__file__).resolve().parents[2]


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline <script>, <style>,
    style="" and on*="" attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_production_cookies_and_headers():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 30 + "Z9!aq-lmR7x&sd8Fw2pQ",
        "ALLOWED_HOSTS": "terreau.example.org",
        "DATABASE_URL": "sqlite:////tmp/terreau-security-settings.sqlite3",
        "DJANGO_SETTINGS_MODULE": "terreau.config.settings",
    }
    env.pop("DEBUG", None)
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({k: "
        "getattr(s, k, None) for k in ['DEBUG', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_SAMESITE', 'LANGUAGE_COOKIE_SECURE', "
        "'LANGUAGE_COOKIE_HTTPONLY', 'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SECURE_HSTS_SECONDS', "
        "'SECURE_SSL_REDIRECT', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', "
        "'MFA_TOTP_INSECURE_BYPASS_CODE']}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout.strip().splitlines()[-1])
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"] and s["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert s["CSRF_COOKIE_SECURE"] and s["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert s["LANGUAGE_COOKIE_SECURE"] and s["LANGUAGE_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_NAME"].startswith("__Host-") and s["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] and s["X_FRAME_OPTIONS"] == "DENY"
    assert s["MFA_TOTP_INSECURE_BYPASS_CODE"] is None


def _assert_csp(response, url):
    csp = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
    assert response.get("X-Content-Type-Options") == "nosniff", url


def _assert_no_inline(html: str, url: str):
    assert not inline_code(html), (url, inline_code(html))
    assert ' style="' not in html, url  # the brief's literal check, as well


def _fetch_html(client: Client, url: str, seen: set[str]):
    response = client.get(url, follow=True)
    if "text/html" not in response.get("Content-Type", ""):
        return None
    for redirect, _status in response.redirect_chain:
        seen.add(redirect)
    _assert_csp(response, url)
    _assert_no_inline(response.content.decode(), url)
    return response


@pytest.mark.django_db
def test_every_html_page_has_csp_and_no_inline_code(world, platform_admin):
    seen: set[str] = set()
    client = Client()
    for url in [*public_urls(world), "/compte/login/", "/compte/signup/", "/api/docs", "/nexiste-pas/"]:
        _fetch_html(client, url, seen)
    client.force_login(world.reporter)
    for url in citizen_urls(world):
        _fetch_html(client, url, seen)
    client.force_login(world.admin)
    for url in staff_urls(world):
        _fetch_html(client, url, seen)
    client.force_login(platform_admin)
    for url in [*platform_urls(world), "/admin/", f"/admin/processes/process/{world.process.pk}/change/"]:
        response = client.get(url)
        assert "unsafe-inline" not in response.get("Content-Security-Policy", "unsafe-inline"), url


DEMO_PUBLIC = ["/", "/demarches/", "/reponses/", "/institutions/", "/donnees/", "/moderation/journal/", "/audit/",
               "/credits/", "/territoires/communes/?q=lyon", "/api/docs", "/compte/login/", "/compte/signup/",
               "/compte/password/reset/", "/demarches/?status=open", "/demarches/?level=region"]  # fmt: skip


@pytest.mark.django_db
def test_demo_pages_have_no_inline_script_or_style(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    seen: set[str] = set()
    client = Client()
    urls = list(DEMO_PUBLIC)
    urls += [f"/demarches/{p.slug}/" for p in Process.objects.exclude(status="draft")]
    urls += [f"/institutions/{i.slug}/" for i in Institution.objects.all()]
    urls += [f"/discussions/processes/process/{p.pk}/" for p in Process.objects.exclude(status="draft")]
    for url in urls:
        response = _fetch_html(client, url, seen)
        assert response is not None and response.status_code == 200, url

    staff_pages = ["/espace/", "/compte/profil/", "/compte/mes-donnees/", "/compte/organisations/",
                   "/compte/organisations/?show=verified", "/espace/institutions/nouvelle/"]  # fmt: skip
    for inst in Institution.objects.all():
        staff_pages += [f"/espace/institutions/{inst.slug}/", f"/espace/institutions/{inst.slug}/demarches/nouvelle/"]
        staff_pages += [f"/moderation/{inst.slug}/?vue={v}" for v in ("signalements", "masques", "blocages")]
    for p in Process.objects.all():
        base = f"/espace/demarches/{p.slug}/"
        staff_pages += [base, base + "modifier/", base + "engagements/", base + "etapes/", base + "modules/"]
        staff_pages += [base + "reponse/", f"/demarches/{p.slug}/"]
    staff_pages += [f"/espace/modules/{m.pk}/" for m in ProcessModule.objects.filter(module="page")]
    from terreau.moderation.models import Report

    for report in Report.objects.select_related("institution")[:5]:
        item = f"/moderation/{report.institution.slug}/element/{report.content_type.app_label}/"
        staff_pages.append(f"{item}{report.content_type.model}/{report.object_id}/")
    admin = get_user_model().objects.filter(is_superuser=True).first()
    assert admin is not None
    client.force_login(admin)
    for url in staff_pages:
        response = _fetch_html(client, url, seen)
        assert response is not None and response.status_code in (200, 400), (url, response.status_code)
    assert len(staff_pages) > 20


@pytest.mark.django_db
def test_health_reveals_nothing(client):
    response = client.get("/sante/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response.get("Cache-Control", "") or "max-age=0" in response.get("Cache-Control", "")
    assert "Server" not in response and "X-Powered-By" not in response
    assert client.get("/sante/?verbose=1&debug=1").json() == {"status": "ok"}


def _png_with_payload() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue() + b"<html><script>alert(2)</script></html>"


@pytest.mark.django_db
def test_uploads_are_reencoded_and_non_images_refused(client, institution, inst_admin):
    client.force_login(inst_admin)
    url = f"/espace/institutions/{institution.slug}/demarches/nouvelle/"
    data = {"title": "Avec image", "summary": "S", "scope_level": "national", "image_alt": "Un carré rouge"}
    upload = SimpleUploadedFile("photo.png", _png_with_payload(), content_type="image/png")
    response = client.post(url, {**data, "image": upload})
    assert response.status_code == 302, response.content[:1000]
    process = Process.objects.get(title="Avec image")
    stored = process.image.read()
    assert process.image.name.endswith(".webp") and stored[:4] == b"RIFF" and stored[8:12] == b"WEBP"
    assert b"script" not in stored and b"html" not in stored.lower()

    for name, content in (
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("x.jpg", b"<html><script>alert(1)</script></html>"),
        ("x.gif", b"GIF89a" + b"<script>alert(1)</script>"),
        ("x.png.html", _png_with_payload()),
    ):
        response = client.post(url, {**data, "title": name, "image": SimpleUploadedFile(name, content)})
        assert response.status_code == 200, name
        assert not Process.objects.filter(title=name).exists(), name


@pytest.mark.django_db
def test_staff_pages_require_mfa(client, settings):
    """Platform staff without an authenticator reach no staff page, including organisation verification."""
    from tests.conftest import make_user

    settings.TERREAU_STAFF_MFA_REQUIRED = True
    staff = make_user("staff@example.org", staff=True)
    organisation = make_user("asso2@example.org", kind="association")
    client.force_login(staff)
    for url in ("/espace/", "/admin/", "/compte/organisations/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/compte/mfa-requise/", url
    client.post(f"/compte/organisations/{organisation.pk}/verifier/", {"action": "verify"})
    organisation.refresh_from_db()
    assert organisation.organisation_verified_at is None
