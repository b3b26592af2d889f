"""SECURITY.md #4 and #12: someone else's, unpublished, hidden or other institution's objects
answer 404 (or 403) on every read and write path, and nothing is written."""

from __future__ import annotations

import pytest
from django.test import Client

from terreau.discussions.models import Comment
from terreau.processes.models import Membership

from .test_routes import snapshot

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def _draft_comment(w) -> Comment:
    """A comment on a draft (as if written before the process went back to draft)."""
    from django.contrib.contenttypes.models import ContentType

    return Comment.objects.create(
        content_type=ContentType.objects.get_for_model(w.draft),
        object_id=w.draft.pk,
        process=w.draft,
        author=w.author,
        body="Secret de brouillon",
        body_html="<p>Secret de brouillon</p>",
    )


def draft_reads(w) -> list[str]:
    d = w.draft
    return [
        f"/demarches/{d.slug}/",
        f"/api/processes/{d.slug}",
        f"/api/processes/{d.slug}/phases",
        f"/api/processes/{d.slug}/contract",
        f"/api/processes/{d.slug}/comments",
        f"/donnees/flux/demarches/{d.slug}.atom",
        f"/discussions/processes/process/{d.pk}/",
    ]


def test_drafts_are_404_everywhere_for_outsiders(world, client):
    comment = _draft_comment(world)
    other_staff = Client()
    other_staff.force_login(world.other_admin)
    citizen = Client()
    citizen.force_login(world.reporter)
    comment_urls = [
        f"/discussions/commentaire/{comment.pk}/",
        f"/discussions/commentaire/{comment.pk}/repondre/",
        f"/discussions/commentaire/{comment.pk}/modifier/",
        f"/moderation/signaler/discussions/comment/{comment.pk}/",
    ]
    for c in (client, citizen, other_staff):
        for url in draft_reads(world) + comment_urls:
            response = c.get(url)
            # Anonymous visitors are sent to the login page before the reply and edit forms.
            expected = (
                (404, 302)
                if c is client and ("repondre/" in url or "modifier/" in url or "signaler/" in url)
                else (404,)
            )
            assert response.status_code in expected, (url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/compte/login/"), url
    # Listings, searches, exports and feeds leave drafts out.
    secret = world.draft.slug
    for url in (
        "/demarches/?q=brouillon",
        "/institutions/ville-xss/",
        "/api/processes?q=brouillon",
        "/api/answers",
        "/donnees/demarches.csv",
        "/donnees/demarches.json",
        "/donnees/reponses.csv",
        "/donnees/commentaires.csv",
        "/donnees/flux/demarches.atom",
        "/reponses/",
    ):
        body = _body(client.get(url))
        assert secret not in body and "Secret de brouillon" not in body, url


def test_draft_comment_writes_are_refused(world):
    comment = _draft_comment(world)
    c = Client()
    c.force_login(world.reporter)
    before = snapshot()
    for url, data in (
        (f"/discussions/processes/process/{world.draft.pk}/commenter/", {"body": "x"}),
        (f"/discussions/commentaire/{comment.pk}/repondre/", {"body": "x"}),
        (f"/moderation/signaler/discussions/comment/{comment.pk}/", {"reason": "spam"}),
    ):
        assert c.post(url, data).status_code == 404, url
    assert snapshot() == before


def test_hidden_comment_text_never_leaves(world, client):
    secret = "Un commentaire qui sera masqué."
    for url in (
        f"/demarches/{world.process.slug}/",
        f"/discussions/processes/process/{world.process.pk}/",
        f"/api/processes/{world.process.slug}/comments",
        "/donnees/commentaires.csv",
        "/donnees/commentaires.json",
        f"/donnees/flux/demarches/{world.process.slug}.atom",
        "/moderation/journal/",
    ):
        assert secret not in _body(client.get(url)), url
    c = Client()
    c.force_login(world.organisation)
    before = snapshot()
    assert c.post(f"/moderation/signaler/discussions/comment/{world.hidden.pk}/", {"reason": "spam"}).status_code == 404
    c.post(f"/discussions/commentaire/{world.hidden.pk}/repondre/", {"body": "x"})
    assert snapshot() == before


def test_someone_elses_comment_cannot_be_edited(world):
    c = Client()
    c.force_login(world.reporter)
    before = snapshot()
    response = c.post(f"/discussions/commentaire/{world.comment.pk}/modifier/", {"body": "Réécrit"})
    assert response.status_code in (403, 404)
    assert snapshot() == before


def cross_institution_requests(w) -> list[tuple[str, str, dict]]:
    """Institution B's objects, as seen from a staff member of institution A."""
    b, p, d = w.other_institution, w.other_process, w.other_draft
    phase = p.phases.get()
    membership = Membership.objects.filter(institution=b).first()
    item = f"/moderation/{b.slug}/element/discussions/comment/{w.other_comment.pk}"
    via_a = f"/moderation/{w.institution.slug}/element/discussions/comment/{w.other_comment.pk}"
    from terreau.moderation import services
    from terreau.processes.models import ProcessModule

    module = ProcessModule.objects.create(process=p, module="page", title="Infos B", position=0)
    block = services.block(w.other_admin, b, w.reporter, reason="spam")
    return [
        ("get", f"/espace/institutions/{b.slug}/", {}),
        ("post", f"/espace/institutions/{b.slug}/membres/", {"email": w.reporter.email, "role": "admin"}),
        ("post", f"/espace/membres/{membership.pk}/retirer/", {}),
        ("get", f"/espace/institutions/{b.slug}/demarches/nouvelle/", {}),
        (
            "post",
            f"/espace/institutions/{b.slug}/demarches/nouvelle/",
            {"title": "T", "summary": "S", "scope_level": "national"},
        ),
        ("get", f"/espace/demarches/{p.slug}/", {}),
        ("get", f"/espace/demarches/{d.slug}/", {}),
        ("get", f"/demarches/{d.slug}/", {}),
        ("post", f"/espace/demarches/{p.slug}/modifier/", {"title": "T", "summary": "S", "scope_level": "national"}),
        ("post", f"/espace/demarches/{p.slug}/engagements/", {"objective": "x"}),
        ("post", f"/espace/demarches/{p.slug}/etapes/", {"kind": "information", "title": "T"}),
        ("post", f"/espace/demarches/{p.slug}/etapes/{phase.pk}/", {"kind": "information", "title": "T"}),
        ("post", f"/espace/demarches/{p.slug}/etapes/{phase.pk}/supprimer/", {}),
        ("post", f"/espace/demarches/{w.process.slug}/etapes/{phase.pk}/supprimer/", {}),  # B's phase via A's process
        ("post", f"/espace/demarches/{p.slug}/modules/", {"module": "page", "title": "X"}),
        ("post", f"/espace/demarches/{p.slug}/modules/{module.pk}/reglages/", {}),
        ("post", f"/espace/demarches/{p.slug}/modules/{module.pk}/retirer/", {}),
        ("post", f"/espace/demarches/{w.process.slug}/modules/{module.pk}/retirer/", {}),  # B's module via A
        ("get", f"/espace/modules/{module.pk}/", {}),
        ("post", f"/espace/modules/{module.pk}/", {"body": "x"}),
        ("post", f"/espace/demarches/{d.slug}/publier/", {}),
        ("post", f"/espace/demarches/{p.slug}/archiver/", {}),
        ("post", f"/espace/demarches/{d.slug}/supprimer/", {}),
        ("post", f"/espace/demarches/{p.slug}/reponse/", {"body": "x"}),
        ("get", f"/moderation/{b.slug}/", {}),
        ("get", f"/moderation/{b.slug}/?vue=blocages", {}),
        ("get", f"{item}/", {}),
        ("get", f"{via_a}/", {}),
        ("post", f"{item}/masquer/", {"reason": "spam"}),
        ("post", f"{via_a}/masquer/", {"reason": "spam"}),
        ("post", f"{via_a}/rejeter/", {}),
        ("post", f"{via_a}/retablir/", {}),
        ("post", f"{via_a}/bloquer/", {"reason": "spam"}),
        ("post", f"/moderation/{b.slug}/blocages/{block.pk}/lever/", {}),
        ("post", f"/moderation/{w.institution.slug}/blocages/{block.pk}/lever/", {}),
    ]


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_institution_a_staff_is_refused_on_institution_b(world, role):
    requests = cross_institution_requests(world)
    c = Client()
    c.force_login(getattr(world, role))
    before = snapshot()
    for method, url, data in requests:
        response = getattr(c, method)(url, data)
        assert response.status_code in (403, 404), (role, method, url, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("role", ["facilitator", "reviewer", "moderator"])
def test_non_admin_roles_cannot_edit_processes(world, role):
    from tests.conftest import member

    user = world.moderator if role == "moderator" else member(world.institution, role, f"{role}@xss.example.org")
    c = Client()
    c.force_login(user)
    p, d = world.pending, world.draft
    before = snapshot()
    for url, data in (
        (f"/espace/demarches/{p.slug}/modifier/", {"title": "T", "summary": "S", "scope_level": "national"}),
        (f"/espace/demarches/{d.slug}/publier/", {}),
        (f"/espace/demarches/{d.slug}/supprimer/", {}),
        (f"/espace/demarches/{p.slug}/reponse/", {"body": "x"}),
        (f"/espace/institutions/{world.institution.slug}/membres/", {"email": user.email, "role": "admin"}),
        (f"/espace/membres/{world.admin.memberships.get().pk}/retirer/", {}),
        (f"/espace/modules/{world.page_module.pk}/", {"body": "x"}),
    ):
        response = c.post(url, data)
        assert response.status_code in (403, 404), (role, url, response.status_code)
    assert snapshot() == before


def test_citizen_gets_404_on_every_staff_page(world):
    c = Client()
    c.force_login(world.reporter)
    slug = world.institution.slug
    for url in (
        "/espace/",
        f"/espace/institutions/{slug}/",
        f"/espace/demarches/{world.process.slug}/",
        f"/moderation/{slug}/",
        f"/moderation/{slug}/element/discussions/comment/{world.comment.pk}/",
        "/compte/organisations/",
        "/espace/institutions/nouvelle/",
    ):
        assert c.get(url).status_code == 404, url
    before = snapshot()
    assert c.post(f"/compte/organisations/{world.organisation.pk}/verifier/").status_code == 404
    assert snapshot() == before
