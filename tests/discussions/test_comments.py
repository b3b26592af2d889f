"""Posting, replying, editing, pagination and safety of comments."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError

from terreau.accounts.services import delete_account
from terreau.discussions import queries, services
from terreau.discussions.models import Comment
from terreau.processes.models import Membership
from tests.conftest import make_process, make_user
from tests.discussions.helpers import HTMX, XSS, age, page_url, post, post_url, thread_url

pytestmark = pytest.mark.django_db


def _form_token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)


# --- Reading and posting ---------------------------------------------------------------------


def test_citizen_comments_on_a_process_page(client, citizen, process):
    client.force_login(citizen)
    page = client.get(page_url(process)).content.decode()
    assert 'id="commentaires"' in page and "Publier le commentaire" in page
    response = client.post(post_url(process), {"body": "Il faut **plus** de pistes.", "token": _form_token(page)})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(process)}#commentaire-{comment.pk}"
    assert comment.process == process and comment.depth == 0 and comment.author == citizen
    page = client.get(page_url(process)).content.decode()
    assert "<strong>plus</strong>" in page
    assert "Votre commentaire est publié." in page
    assert "Camille" in page and "Citoyen·ne" in page


def test_author_kind_place_and_staff_badges(client, institution, process, moderator):
    from terreau.territories.models import Commune

    lyon = Commune.objects.get(pk="69123")
    assoc = make_user("asso@example.org", name="Les Amis de la Saône", kind="association")
    assoc.commune = lyon
    assoc.save()
    post(assoc, process, "Notre position.")
    post(moderator, process, "Réponse de l'équipe.")
    page = client.get(page_url(process)).content.decode()
    assert "Les Amis de la Saône" in page and "Association" in page
    assert "Lyon (69)" in page
    assert page.count("Équipe de l'institution") == 1


def test_deleted_author_shows_as_deleted(client, citizen, process):
    post(citizen, process, "Un avis.")
    delete_account(citizen)
    page = client.get(page_url(process)).content.decode()
    assert "Participant supprimé" in page and "Camille" not in page


def test_anonymous_sees_comments_and_a_login_link_but_cannot_post(client, citizen, process):
    post(citizen, process, "Un avis.")
    page = client.get(page_url(process)).content.decode()
    assert "Un avis." in page and "Connectez-vous" in page and "Publier le commentaire" not in page
    response = client.post(post_url(process), {"body": "Anonyme"})
    assert response.status_code == 302 and "/compte/login/" in response["Location"]
    assert Comment.objects.count() == 1


def test_unverified_email_cannot_comment(client, citizen, process):
    EmailAddress.objects.filter(user=citizen).update(verified=False)
    client.force_login(citizen)
    page = client.get(page_url(process)).content.decode()
    assert "Confirmez votre adresse e-mail" in page and "Publier le commentaire" not in page
    response = client.post(post_url(process), {"body": "Bonjour"})
    assert response.status_code == 400 and "Confirmez votre adresse e-mail" in response.content.decode()
    with pytest.raises(ValidationError):
        post(citizen, process)
    assert not Comment.objects.exists()


def test_draft_never_shows_or_accepts_comments(client, citizen, reviewer, draft):
    # Even a comment written straight into the database never shows.
    Comment.objects.create(
        content_type_id=_process_ct(), object_id=draft.pk, process=draft, author=citizen, body="Secret de brouillon"
    )
    client.force_login(reviewer)  # may preview the draft
    page = client.get(page_url(draft)).content.decode()
    assert "Secret de brouillon" not in page and 'id="commentaires"' not in page
    client.force_login(citizen)
    assert client.post(post_url(draft), {"body": "x"}).status_code == 404
    assert client.get(thread_url(draft)).status_code == 404
    with pytest.raises(PermissionDenied):
        post(citizen, draft)
    assert not queries.visible_comments_for(draft).exists()
    assert not queries.public_comments().filter(process=draft).exists()
    assert queries.thread_page(draft).threads == []


def _process_ct() -> int:
    from django.contrib.contenttypes.models import ContentType

    from terreau.processes.models import Process

    return ContentType.objects.get_for_model(Process).pk


def test_archived_process_shows_comments_but_is_closed(client, citizen, other_citizen, institution):
    process = make_process(institution, slug="archivee")
    post(citizen, process, "Écrit avant l'archivage.")
    process.status = "archived"
    process.save()
    client.force_login(other_citizen)
    page = client.get(page_url(process)).content.decode()
    assert "archivage." in page and "Les commentaires sont fermés." in page
    assert "Publier le commentaire" not in page and "Répondre" not in page
    response = client.post(post_url(process), {"body": "Trop tard"})
    assert response.status_code == 400 and "Les commentaires sont fermés." in response.content.decode()
    assert Comment.objects.count() == 1


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Écrivez votre commentaire"),
        ("   \n\t  ", "Écrivez votre commentaire"),
        ("x" * 50_000, "5\u202f000 caractères au plus"),
        ("x" * 5_001, "5\u202f000 caractères au plus"),
        ("nul\x00", "Null characters are not allowed"),
    ],
)
def test_bad_bodies_are_refused_with_a_message(client, citizen, process, body, message):
    client.force_login(citizen)
    response = client.post(post_url(process), {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary-commentaire"' in html
    assert message in html or "caractère" in html
    assert not Comment.objects.exists()


def test_longest_body_is_accepted(citizen, process):
    assert len(post(citizen, process, "é" * 5_000).body) == 5_000
    with pytest.raises(ValidationError):
        post(citizen, process, "é" * 5_001)


@pytest.mark.parametrize("body", [None, 12, ["a"], {"a": 1}, b"bytes"])
def test_wrong_types_are_refused_by_the_service(citizen, process, body):
    with pytest.raises(ValidationError):
        post(citizen, process, body)


def test_html_and_script_are_neutralised(client, citizen, process):
    post(citizen, process, XSS + "\n\n[clic](javascript:alert(4)) et [lien](https://example.org)")
    citizen.display_name = XSS
    citizen.save()
    html = client.get(page_url(process)).content.decode()
    assert "<script>alert" not in html and "<svg onload" not in html and "<img src=x" not in html
    assert "javascript:alert" not in html
    assert 'href="https://example.org"' in html and "nofollow" in html


def test_unknown_or_non_commentable_targets_are_404(client, citizen, process, institution):
    client.force_login(citizen)
    for url in [
        f"/discussions/processes/institution/{institution.pk}/commenter/",
        f"/discussions/accounts/user/{citizen.pk}/commenter/",
        "/discussions/nope/nope/1/commenter/",
        "/discussions/processes/process/999999/commenter/",
        "/discussions/processes/process/abc/commenter/",
    ]:
        assert client.post(url, {"body": "x"}).status_code == 404, url
    assert client.get("/discussions/commentaire/999999/").status_code == 404
    assert client.get("/discussions/commentaire/999999/repondre/").status_code == 404
    assert not Comment.objects.exists()


def test_state_changes_need_post(client, citizen, process):
    client.force_login(citizen)
    assert client.get(post_url(process)).status_code == 405
    assert client.put(thread_url(process)).status_code == 405


# --- Double submits --------------------------------------------------------------------------


def test_double_submit_creates_one_comment(client, citizen, process):
    client.force_login(citizen)
    token = _form_token(client.get(page_url(process)).content.decode())
    first = client.post(post_url(process), {"body": "Une fois", "token": token})
    second = client.post(post_url(process), {"body": "Une fois", "token": token})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.count() == 1


def test_each_render_gets_a_new_token(client, citizen, process):
    client.force_login(citizen)
    first = _form_token(client.get(page_url(process)).content.decode())
    second = _form_token(client.get(page_url(process)).content.decode())
    assert first != second


def test_malformed_token_still_posts_once(citizen, process):
    a = post(citizen, process, "Avec un jeton bizarre", token="<script>")
    assert a.client_token == ""
    b = post(citizen, process, "Sans jeton")
    assert a.pk != b.pk


def test_token_constraint_is_in_the_database(citizen, process):
    from django.db import IntegrityError, transaction

    post(citizen, process, "Premier", token="a" * 32)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            content_type_id=_process_ct(),
            object_id=process.pk,
            process=process,
            author=citizen,
            body="Second",
            client_token="a" * 32,
        )


# --- Replies and depth -----------------------------------------------------------------------


def test_replies_are_bounded_to_two_levels(citizen, other_citizen, process):
    root = post(citizen, process, "Racine")
    first = services.reply(other_citizen, root, "Réponse")
    second = services.reply(citizen, first, "Réponse à la réponse")
    third = services.reply(other_citizen, second, "Encore plus profond")
    assert (root.depth, first.depth, second.depth, third.depth) == (0, 1, 2, 2)
    assert third.parent_id == first.pk  # attached to its parent's thread, documented
    assert {first.thread_id, second.thread_id, third.thread_id} == {root.pk}
    node = queries.thread_page(process).threads[0]
    assert [n.comment.pk for n in node.replies] == [first.pk]
    assert [n.comment.pk for n in node.replies[0].replies] == [second.pk, third.pk]


def test_depth_is_bounded_in_the_database(citizen, process):
    from django.db import IntegrityError, transaction

    root = post(citizen, process, "Racine")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            content_type_id=_process_ct(),
            object_id=process.pk,
            process=process,
            author=citizen,
            body="Trop profond",
            parent=root,
            thread=root,
            depth=3,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            content_type_id=_process_ct(), object_id=process.pk, process=process, author=citizen, body="x", depth=1
        )


def test_reply_through_the_form_without_javascript(client, citizen, other_citizen, process):
    root = post(citizen, process, "Racine")
    client.force_login(other_citizen)
    page = client.get(f"/discussions/commentaire/{root.pk}/repondre/")
    assert page.status_code == 200 and "Votre réponse" in page.content.decode()
    response = client.post(f"/discussions/commentaire/{root.pk}/repondre/", {"body": ""})
    assert response.status_code == 400 and "Écrivez votre commentaire" in response.content.decode()
    response = client.post(f"/discussions/commentaire/{root.pk}/repondre/", {"body": "Je réponds", "token": "b" * 32})
    reply = Comment.objects.get(parent=root)
    assert response.status_code == 302 and response["Location"].endswith(f"#commentaire-{reply.pk}")


def test_reply_with_htmx_swaps_the_thread(client, citizen, other_citizen, process):
    root = post(citizen, process, "Racine")
    client.force_login(other_citizen)
    form = client.get(f"/discussions/commentaire/{root.pk}/repondre/", **HTMX).content.decode()
    assert "<html" not in form and 'hx-post="/discussions/commentaire/' in form
    response = client.post(f"/discussions/commentaire/{root.pk}/repondre/", {"body": "Je réponds"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#fil-{root.pk}" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "Je réponds" in html and "autofocus" in html
    error = client.post(f"/discussions/commentaire/{root.pk}/repondre/", {"body": ""}, **HTMX)
    assert error.status_code == 200 and "HX-Retarget" not in error and "error-summary" in error.content.decode()


def test_reply_to_another_target_is_refused(citizen, institution, process):
    other = make_process(institution, slug="autre")
    root = post(citizen, other, "Ailleurs")
    with pytest.raises(ValidationError):
        services.post_comment(citizen, process, "Réponse croisée", parent=root)


def test_post_with_htmx_returns_the_block(client, citizen, process):
    client.force_login(citizen)
    response = client.post(post_url(process), {"body": "Avec htmx"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.startswith('<section id="commentaires"') and "Avec htmx" in html and "autofocus" in html
    error = client.post(post_url(process), {"body": ""}, **HTMX)
    assert error.status_code == 200 and "error-summary" in error.content.decode()


def test_htmx_post_when_logged_out_redirects_to_login(client, process):
    response = client.post(post_url(process), {"body": "x"}, **HTMX)
    assert response.status_code == 204 and "/compte/login/" in response["HX-Redirect"]


# --- Editing ---------------------------------------------------------------------------------


def test_author_edits_within_the_window(client, citizen, process):
    comment = post(citizen, process, "Premier jet")
    client.force_login(citizen)
    assert client.get(f"/discussions/commentaire/{comment.pk}/modifier/").status_code == 200
    response = client.post(f"/discussions/commentaire/{comment.pk}/modifier/", {"body": "Version corrigée"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Version corrigée" and comment.edited_at is not None
    assert "(modifié)" in client.get(page_url(process)).content.decode()


def test_edit_with_htmx_returns_the_comment(client, citizen, process):
    comment = post(citizen, process, "Premier jet")
    client.force_login(citizen)
    form = client.get(f"/discussions/commentaire/{comment.pk}/modifier/", **HTMX).content.decode()
    assert f'id="commentaire-{comment.pk}"' in form and "Premier jet" in form and "<html" not in form
    html = client.post(f"/discussions/commentaire/{comment.pk}/modifier/", {"body": "Corrigé"}, **HTMX)
    assert html.status_code == 200 and "<article" in html.content.decode() and "Corrigé" in html.content.decode()


def test_edit_after_the_window_is_refused(client, citizen, process, settings):
    comment = age(post(citizen, process, "Ancien"), 16)
    client.force_login(citizen)
    page = client.get(page_url(process)).content.decode()
    assert f"/discussions/commentaire/{comment.pk}/modifier/" not in page
    response = client.post(f"/discussions/commentaire/{comment.pk}/modifier/", {"body": "Trop tard"})
    assert response.status_code == 403 and "15 minutes" in response.content.decode()
    with pytest.raises(ValidationError, match="15 minutes"):
        services.edit_comment(citizen, comment, "Trop tard")
    comment.refresh_from_db()
    assert comment.body == "Ancien"
    settings.TERREAU_COMMENT_EDIT_WINDOW = datetime.timedelta(hours=1)
    services.edit_comment(citizen, comment, "Fenêtre élargie")


def test_someone_elses_comment_cannot_be_edited(client, citizen, other_citizen, moderator, process):
    comment = post(citizen, process, "À moi")
    for user in (other_citizen, moderator):
        client.force_login(user)
        assert client.get(f"/discussions/commentaire/{comment.pk}/modifier/").status_code == 404
        assert client.post(f"/discussions/commentaire/{comment.pk}/modifier/", {"body": "Piraté"}).status_code == 404
        with pytest.raises(PermissionDenied):
            services.edit_comment(user, comment, "Piraté")
    client.logout()
    assert client.post(f"/discussions/commentaire/{comment.pk}/modifier/", {"body": "Piraté"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "À moi"


def test_edit_refuses_bad_input(client, citizen, process):
    comment = post(citizen, process, "Texte")
    client.force_login(citizen)
    response = client.post(f"/discussions/commentaire/{comment.pk}/modifier/", {"body": " "})
    assert response.status_code == 400 and "Écrivez votre commentaire" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Texte" and comment.edited_at is None


# --- Pagination ------------------------------------------------------------------------------


def _many(process, author, n: int) -> list[Comment]:
    comments = [post(author, process, f"Commentaire numéro {i:03d}") for i in range(n)]
    return comments


def test_keyset_pagination_walks_every_thread_once(client, citizen, process, settings):
    settings.TERREAU_COMMENT_RATE_LIMIT = (1000, 600)
    made = _many(process, citizen, 45)
    seen, after, pages = [], None, 0
    while True:
        page = queries.thread_page(process, after=after)
        seen += [n.comment.pk for n in page.threads]
        pages += 1
        if not page.older_cursor:
            break
        after = page.older_cursor
    assert pages == 3 and seen == [c.pk for c in reversed(made)]
    # Going back from the last page gives the middle page again.
    last = queries.thread_page(process, after=after)
    back = queries.thread_page(process, before=last.newer_cursor)
    assert [n.comment.pk for n in back.threads] == seen[20:40]
    html = client.get(page_url(process)).content.decode()
    assert "Commentaire numéro 044" in html and "Commentaire numéro 024" not in html
    assert "comments_after=" in html


def test_same_number_of_queries_on_every_page(citizen, other_citizen, process, settings, django_assert_num_queries):
    settings.TERREAU_COMMENT_RATE_LIMIT = (1000, 600)
    roots = _many(process, citizen, 45)
    for root in roots[::3]:
        services.reply(other_citizen, root, "Une réponse")
    first = queries.thread_page(process)
    with django_assert_num_queries(3):
        queries.thread_page(process)
    with django_assert_num_queries(3):
        queries.thread_page(process, after=first.older_cursor)


@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "1-", "99999999999999999-1", "1-1' OR 1=1", "0-0", "%00", "1" * 60, "1.5-2", "１２-３"],
)
def test_bad_cursors_show_the_first_page(client, citizen, process, cursor):
    post(citizen, process, "Le seul commentaire")
    for name in ("comments_after", "comments_before"):
        response = client.get(page_url(process), {name: cursor})
        assert response.status_code == 200
        assert "Le seul commentaire" in response.content.decode() or cursor == "0-0"
        assert client.get(thread_url(process), {name: cursor}).status_code == 200


def test_bad_page_values_elsewhere_do_not_break_the_block(client, citizen, process):
    post(citizen, process, "Un")
    assert client.get(page_url(process), {"page": "-1", "comments_after": ["1-1", "x"]}).status_code == 200


# --- Rate limits and blocks ------------------------------------------------------------------


def test_rate_limit_per_participant(client, citizen, process, settings):
    settings.TERREAU_COMMENT_RATE_LIMIT = (3, 600)
    for i in range(3):
        post(citizen, process, f"Rapide {i}")
    with pytest.raises(ValidationError, match="beaucoup de commentaires"):
        post(citizen, process, "Un de trop")
    client.force_login(citizen)
    response = client.post(post_url(process), {"body": "Encore"})
    assert response.status_code == 400 and "beaucoup de commentaires" in response.content.decode()
    assert Comment.objects.count() == 3


def test_rate_limit_per_ip(client, process, settings):
    settings.TERREAU_COMMENT_RATE_LIMIT = (3, 600)
    users = [make_user(f"u{i}@example.org") for i in range(4)]
    for i, user in enumerate(users):
        client.force_login(user)
        response = client.post(post_url(process), {"body": f"Depuis la même adresse {i}"}, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == (302 if i < 3 else 400)
    client.force_login(users[3])
    assert client.post(post_url(process), {"body": "Autre adresse"}, REMOTE_ADDR="203.0.113.10").status_code == 302


def test_double_submit_does_not_use_up_the_rate_limit(citizen, process, settings):
    settings.TERREAU_COMMENT_RATE_LIMIT = (2, 600)
    for _ in range(5):
        post(citizen, process, "Même formulaire", token="c" * 32)
    post(citizen, process, "Un autre")
    assert Comment.objects.count() == 2


def test_blocked_user_cannot_comment_there(client, citizen, moderator, institution, other_institution, process):
    from terreau.moderation import services as moderation

    moderation.block(moderator, institution, citizen, reason="spam")
    client.force_login(citizen)
    page = client.get(page_url(process)).content.decode()
    assert "suspendu votre participation" in page and "Publier le commentaire" not in page
    assert client.post(post_url(process), {"body": "Bloqué"}).status_code == 400
    with pytest.raises(ValidationError, match="suspendu"):
        post(citizen, process)
    elsewhere = make_process(other_institution, slug="ailleurs")
    assert post(citizen, elsewhere, "Ailleurs, c'est permis").pk
    assert Comment.objects.filter(process=process).count() == 0


def test_blocked_author_cannot_edit(citizen, moderator, institution, process):
    from terreau.moderation import services as moderation

    comment = post(citizen, process, "Avant le blocage")
    moderation.block(moderator, institution, citizen, reason="harassment")
    with pytest.raises(ValidationError, match="suspendu"):
        services.edit_comment(citizen, comment, "Après")


# --- Personal data ---------------------------------------------------------------------------


def test_comments_are_in_the_authors_data_export(citizen, process):
    import json

    from terreau.accounts.services import export_personal_data

    post(citizen, process, "Ma contribution")
    data = json.loads(export_personal_data(citizen))
    assert data["comments"][0]["body"] == "Ma contribution"


def test_staff_membership_badge_needs_a_role_in_that_institution(client, other_institution, process):
    outsider = make_user("staff-ailleurs@example.org", name="Staff Ailleurs")
    Membership.objects.create(institution=other_institution, user=outsider, role="admin")
    post(outsider, process, "Je viens d'ailleurs")
    assert "Équipe de l'institution" not in client.get(page_url(process)).content.decode()
