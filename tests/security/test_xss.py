"""SECURITY.md #1: every user string, on every page that shows it, comes out escaped."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.test import Client

from terreau.processes.forms import InstitutionForm
from terreau.processes.models import Institution

from .conftest import IMG, JS_URL, PAYLOAD, SVG, live_markup

pytestmark = pytest.mark.django_db

Q = "?q=" + PAYLOAD.replace("#", "%23") + "&page=" + SVG + "&per_page=" + SVG + "&order=" + SVG + "&status=" + IMG


def public_urls(w) -> list[str]:
    ct = f"processes/process/{w.process.pk}"
    return [
        "/",
        "/" + Q,
        "/demarches/",
        "/demarches/" + Q + "&level=" + SVG,
        f"/demarches/{w.process.slug}/",
        f"/demarches/{w.pending.slug}/",
        "/reponses/",
        "/institutions/",
        "/institutions/?page=" + SVG,
        f"/institutions/{w.institution.slug}/",
        f"/institutions/{w.institution.slug}/?page=" + SVG,
        f"/discussions/{ct}/",
        f"/discussions/{ct}/?comments_after={SVG}&comments_before={IMG}",
        "/moderation/journal/",
        "/moderation/journal/?page=" + SVG,
        "/audit/",
        "/audit/?page=" + SVG,
        "/donnees/",
        "/territoires/communes/" + Q,
        "/territoires/communes/choix/?field=commune&id=id_commune&commune_q=" + SVG + "&commune=" + SVG,
        "/credits/",
        "/compte/login/?next=" + JS_URL,
        "/compte/signup/?next=" + SVG,
        "/compte/password/reset/",
    ]


def citizen_urls(w) -> list[str]:
    return [
        f"/discussions/commentaire/{w.comment.pk}/repondre/",
        f"/discussions/commentaire/{w.reply.pk}/modifier/",
        f"/moderation/signaler/discussions/comment/{w.comment.pk}/",
        "/compte/profil/",
        "/compte/mes-donnees/",
        "/compte/supprimer/",
    ]


def staff_urls(w) -> list[str]:
    slug, item = w.institution.slug, f"discussions/comment/{w.comment.pk}"
    return [
        "/espace/",
        f"/espace/institutions/{slug}/",
        f"/espace/institutions/{slug}/demarches/nouvelle/",
        f"/espace/demarches/{w.process.slug}/",
        f"/espace/demarches/{w.process.slug}/modifier/",
        f"/espace/demarches/{w.process.slug}/engagements/",
        f"/espace/demarches/{w.process.slug}/etapes/",
        f"/espace/demarches/{w.process.slug}/etapes/{w.process.phases.first().pk}/",
        f"/espace/demarches/{w.process.slug}/modules/",
        f"/espace/demarches/{w.draft.slug}/",
        f"/demarches/{w.draft.slug}/",
        f"/espace/demarches/{w.pending.slug}/reponse/",
        f"/espace/modules/{w.page_module.pk}/",
        f"/moderation/{slug}/",
        f"/moderation/{slug}/?vue=masques",
        f"/moderation/{slug}/?vue=blocages",
        f"/moderation/{slug}/?page={SVG}&vue={SVG}",
        f"/moderation/{slug}/element/{item}/",
        f"/moderation/{slug}/element/discussions/comment/{w.hidden.pk}/",
        f"/moderation/{slug}/element/{item}/bloquer/",
    ]


def platform_urls(w) -> list[str]:
    return [
        "/compte/organisations/",
        "/compte/organisations/?show=" + SVG,
        "/compte/organisations/?show=verified",
        "/espace/institutions/nouvelle/",
    ]


def _check(client: Client, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.status_code in (200, 400), (url, response.status_code)
    body = response.content.decode()
    assert not live_markup(body), (url, live_markup(body))


def test_every_page_escapes_user_strings(world, client, settings):
    settings.TERREAU_STAFF_MFA_REQUIRED = True
    for url in public_urls(world):
        _check(client, url)
    client.force_login(world.reporter)
    for url in citizen_urls(world):
        _check(client, url)
    client.force_login(world.admin)
    for url in staff_urls(world):
        _check(client, url)
    client.force_login(world.moderator)
    for url in staff_urls(world)[-7:]:
        _check(client, url)


def test_staff_pages_escape_display_names(world, client, platform_admin):
    client.force_login(platform_admin)
    for url in platform_urls(world) + staff_urls(world):
        _check(client, url)
    body = client.get("/compte/organisations/").content.decode()
    assert "&lt;svg onload=alert(1)&gt; asso" in body  # shown, escaped


def test_pages_show_the_payload_as_text(world, client):
    """The payload is really there, escaped: the check above is not vacuous."""
    body = client.get(f"/demarches/{world.process.slug}/").content.decode()
    assert "&lt;svg onload=alert(1)&gt;" in body
    assert body.count("&lt;svg") >= 5  # title, summary, contract, phase, comments


def test_json_endpoints_escape_markup(world, client):
    slug = world.process.slug
    urls = [
        "/api/institutions",
        f"/api/institutions/{world.institution.slug}",
        "/api/processes",
        "/api/processes?q=" + SVG,
        f"/api/processes/{slug}",
        f"/api/processes/{slug}/phases",
        f"/api/processes/{slug}/contract",
        f"/api/processes/{slug}/comments",
        "/api/answers",
        "/api/" + SVG,
        "/api/processes/" + SVG,
        "/api/territories/communes?q=" + SVG,
        "/audit/events.json",
        "/audit/head.json",
        "/donnees/datapackage.json",
        "/donnees/demarches.json",
        "/donnees/institutions.json",
        "/donnees/reponses.json",
        "/donnees/commentaires.json",
        "/donnees/demarches.geojson",
        "/donnees/demarches.schema.json",
    ]
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        assert "<svg" not in text and "<img" not in text, url
        if response.status_code == 200:
            json.loads(text)
    data = client.get(f"/api/processes/{slug}").json()
    assert data["title"] == PAYLOAD  # same data once parsed
    assert "javascript:" not in data["body_html"]


def _feed_html_parts(xml: bytes) -> list[str]:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(xml)  # noqa: S314 - our own feed
    parts = []
    for tag in ("summary", "content", "title", "subtitle"):
        for el in root.iterfind(f".//a:{tag}", ns):
            if el.get("type") == "html":
                parts.append(el.text or "")
    return parts


def test_atom_feeds_escape_markup(world, client):
    for url in (
        "/donnees/flux/demarches.atom",
        "/donnees/flux/reponses.atom",
        f"/donnees/flux/demarches/{world.process.slug}.atom",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        parts = _feed_html_parts(response.content)
        assert parts, url
        for html in parts:  # the HTML a feed reader will render
            assert not live_markup(html), (url, html)
        assert b"<svg" not in response.content


def test_institution_website_refuses_javascript_urls(db):
    for url in (JS_URL, "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<svg onload=alert(1)>"):
        form = InstitutionForm({"name": "X", "kind": "commune", "website": url})
        assert not form.is_valid() and "website" in form.errors, url


def test_institution_create_with_javascript_website_writes_nothing(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post(
        "/espace/institutions/nouvelle/", {"name": "Malveillante", "kind": "commune", "website": JS_URL}
    )
    assert response.status_code == 200
    assert not Institution.objects.filter(name="Malveillante").exists()


def test_allauth_emails_with_a_hostile_display_name(world, client):
    mail.outbox.clear()
    client.post("/compte/password/reset/", {"email": world.author.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    for content, mimetype in getattr(message, "alternatives", []):
        if "html" in mimetype:
            assert not live_markup(content)
    assert "\n" not in message.subject
