"""Comments on petitions: who posts and when, who moderates, the cached anonymous page, exports."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from terreau.audit.models import AuditEvent
from terreau.discussions import services as comments
from terreau.discussions.models import Comment
from terreau.discussions.queries import public_comments
from terreau.moderation import services as moderation
from terreau.moderation.models import Block, Decision, Visibility
from terreau.petitions import pagecache
from terreau.petitions import services as petitions
from terreau.petitions.models import Petition
from tests.conftest import make_user
from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db


def post_url(petition: Petition) -> str:
    return f"/discussions/petitions/petition/{petition.pk}/commenter/"


def page(petition: Petition) -> str:
    return reverse("petitions:detail", args=[petition.slug])


def test_verified_citizen_comments_an_open_petition(client, open_petition, other_citizen):
    client.force_login(other_citizen)
    response = client.post(post_url(open_petition), {"body": "Les haies **protègent** les sols."})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.institution_id == open_petition.institution_id
    assert comment.process_id is None
    shown = client.get(page(open_petition)).content.decode()
    assert "Les haies <strong>protègent</strong> les sols." in shown
    assert 'id="commentaires"' in shown and "Publier le commentaire" in shown


def test_anonymous_reads_and_is_asked_to_log_in(client, open_petition, other_citizen):
    comments.post_comment(other_citizen, open_petition, "Bravo pour cette pétition.")
    html = client.get(page(open_petition)).content.decode()
    assert "Bravo pour cette pétition." in html
    assert "Connectez-vous" in html and "Publier le commentaire" not in html
    response = client.post(post_url(open_petition), {"body": "Anonyme"})
    assert response.status_code == 302 and "/compte/login/" in response["Location"]
    assert Comment.objects.count() == 1


def test_unverified_account_cannot_comment(client, open_petition):
    user = make_user("nonverifie@example.org")
    user.emailaddress_set.update(verified=False)
    with pytest.raises(ValidationError, match="Confirmez votre adresse e-mail"):
        comments.post_comment(user, open_petition, "Test")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("state", ["pending", "refused"])
def test_no_comments_on_drafts_or_refused_petitions(client, citizen, other_citizen, institution, moderator, state):
    petition = make_petition(citizen, institution)
    if state == "refused":
        petitions.refuse_petition(moderator, petition, "Hors du champ de compétence.")
        petition.refresh_from_db()
    with pytest.raises(PermissionDenied):
        comments.post_comment(other_citizen, petition, "Test")
    client.force_login(citizen)  # the author sees the page, without any comments block
    html = client.get(page(petition)).content.decode()
    assert 'id="commentaires"' not in html
    client.force_login(other_citizen)
    assert client.post(post_url(petition), {"body": "Test"}).status_code == 404
    assert client.get(f"/discussions/petitions/petition/{petition.pk}/").status_code == 404
    assert not Comment.objects.exists()


def test_comments_read_only_once_the_collection_is_closed(client, open_petition, other_citizen, inst_admin):
    comments.post_comment(other_citizen, open_petition, "Avant la clôture.")
    petitions.close_petition(inst_admin, open_petition)
    open_petition.refresh_from_db()
    with pytest.raises(ValidationError, match="fermés"):
        comments.post_comment(other_citizen, open_petition, "Après la clôture.")
    client.force_login(other_citizen)
    html = client.get(page(open_petition)).content.decode()
    assert "Avant la clôture." in html and "Les commentaires sont fermés." in html
    assert "Publier le commentaire" not in html


def test_blocked_by_the_addressee_cannot_comment(open_petition, other_citizen, moderator, institution):
    moderation.block(moderator, institution, other_citizen, reason="spam")
    with pytest.raises(ValidationError, match="suspendu"):
        comments.post_comment(other_citizen, open_petition, "Encore moi")


def test_rate_limit_applies_as_on_processes(settings, open_petition, other_citizen):
    settings.TERREAU_RATE_LIMITS = True
    settings.TERREAU_COMMENT_RATE_LIMIT = (2, 600)
    comments.post_comment(other_citizen, open_petition, "Un")
    comments.post_comment(other_citizen, open_petition, "Deux")
    with pytest.raises(ValidationError, match="beaucoup de commentaires"):
        comments.post_comment(other_citizen, open_petition, "Trois")


def _item_url(comment: Comment, action: str = "") -> str:
    base = f"/moderation/{comment.institution.slug}/element/discussions/comment/{comment.pk}/"
    return base + action


def test_addressee_moderators_moderate_petition_comments(client, open_petition, other_citizen, citizen, moderator):
    comment = comments.post_comment(other_citizen, open_petition, "Insulte")
    moderation.report(citizen, comment, reason="harassment")
    client.force_login(moderator)
    queue = client.get(f"/moderation/{open_petition.institution.slug}/").content.decode()
    assert "Insulte" in queue and "Pétition : " in queue
    response = client.post(_item_url(comment, "masquer/"), {"reason": "harassment", "note": ""})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Visibility.HIDDEN
    assert Decision.objects.get().institution_id == open_petition.institution_id
    assert "Insulte" not in client.get(page(open_petition)).content.decode()


def test_other_institution_and_citizens_do_not_moderate(client, open_petition, other_citizen, other_admin):
    comment = comments.post_comment(other_citizen, open_petition, "Un avis")
    stranger = make_user("passant@example.org")
    for user in (other_admin, stranger):
        client.force_login(user)
        assert client.get(_item_url(comment)).status_code == 404
        assert client.post(_item_url(comment, "masquer/"), {"reason": "spam"}).status_code == 404
        with pytest.raises(PermissionDenied):
            moderation.hide(user, comment, reason="spam")
    client.logout()
    assert client.get(_item_url(comment)).status_code == 302  # to the login page
    comment.refresh_from_db()
    assert comment.status == Visibility.VISIBLE


def test_petition_author_hides_and_restores_but_cannot_block(client, open_petition, citizen, other_citizen):
    comment = comments.post_comment(other_citizen, open_petition, "Hors sujet complet")
    client.force_login(citizen)  # the petition's author
    html = client.get(page(open_petition)).content.decode()
    assert _item_url(comment) in html  # the "Modérer" link
    item = client.get(_item_url(comment)).content.decode()
    assert "Bloquer" not in item and "Retour à la discussion" in item
    assert client.post(_item_url(comment, "masquer/"), {"reason": "off_topic"}).status_code == 302
    comment.refresh_from_db()
    assert comment.status == Visibility.HIDDEN
    assert client.post(_item_url(comment, "retablir/")).status_code == 302
    comment.refresh_from_db()
    assert comment.status == Visibility.VISIBLE
    assert client.get(_item_url(comment, "bloquer/")).status_code == 404
    assert client.get(f"/moderation/{open_petition.institution.slug}/").status_code == 404
    assert not Block.objects.exists()
    assert AuditEvent.objects.filter(kind="moderation.hidden").count() == 1


def test_anonymous_cached_page_holds_no_per_visitor_content(client, open_petition, other_citizen):
    comments.post_comment(other_citizen, open_petition, "Premier avis public")
    first = client.get(page(open_petition))
    key = pagecache.page_key(open_petition.slug, "fr")
    from django.core.cache import cache

    content, _headers = cache.get(key)
    content = content.decode() if isinstance(content, bytes) else content
    assert "Premier avis public" in content
    assert "Publier le commentaire" not in content and "client_token" not in content and 'name="token"' not in content
    assert "Signaler" not in content and "Modérer" not in content
    second = client.get(page(open_petition))
    assert second.content.decode().count("Premier avis public") == 1
    assert first.status_code == second.status_code == 200


def test_public_comments_and_exports_include_public_petitions_only(citizen, other_citizen, institution, moderator):
    public = make_petition(citizen, institution, title="Publique", publish_by=moderator)
    pending = make_petition(citizen, institution, title="En attente")
    visible = comments.post_comment(other_citizen, public, "Visible")
    Comment.objects.create(
        content_type=visible.content_type,
        object_id=pending.pk,
        institution=institution,
        author=other_citizen,
        body="Sur un brouillon",
    )
    assert list(public_comments().values_list("body", flat=True)) == ["Visible"]
    from terreau.discussions.exports import _comments

    rows = list(_comments(None))
    assert [(r["process_slug"], r["institution_slug"], r["target_type"]) for r in rows] == [
        (None, institution.slug, "petitions.petition")
    ]


def test_my_data_export_lists_petition_comments(client, open_petition, other_citizen):
    comments.post_comment(other_citizen, open_petition, "Mon avis")
    from terreau.discussions.apps import _export_comments

    exported = _export_comments(other_citizen)["comments"]
    assert exported[0]["process"] is None
    assert exported[0]["about"] == open_petition.title
    assert exported[0]["institution"] == open_petition.institution.name


def test_api_lists_public_comments_of_a_public_petition(
    client, open_petition, pending_petition, other_citizen, moderator
):
    comments.post_comment(other_citizen, open_petition, "Dans l'API")
    hidden = comments.post_comment(other_citizen, open_petition, "Masqué")
    moderation.hide(moderator, hidden, reason="spam")
    body = client.get(f"/api/petitions/{open_petition.slug}/comments").json()
    assert [c["body"] for c in body["results"]] == ["Dans l'API"]
    assert body["results"][0]["target"] == {"type": "petitions.petition", "id": open_petition.pk}
    assert "Dominique" not in str(body)
    assert client.get(f"/api/petitions/{pending_petition.slug}/comments").status_code == 404
