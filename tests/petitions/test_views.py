"""Pages and endpoints as a visitor, a signer, the author and staff see them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from terreau.petitions import services
from terreau.petitions.models import Petition, Signature

from ..conftest import login_with_mfa
from .conftest import CONFIRM_RE, make_petition, sign_and_confirm

pytestmark = pytest.mark.django_db

SIGN = {"name": "Alex Martin", "email": "alex@example.org", "postcode": "69001", "show_name": "on"}


def test_list_and_filters(client, open_petition, pending_petition):
    response = client.get("/petitions/")
    assert response.status_code == 200
    assert open_petition.title.encode() in response.content
    assert client.get("/petitions/?status=closed").content.count(b'class="card"') == 0
    for query in ("?page=999", "?order=user__password", "?status=<svg>", "?q=%3Cscript%3E"):
        response = client.get("/petitions/" + query)
        assert response.status_code == 200 and b"<script>" not in response.content.replace(b"<script src", b"")


def test_pending_petition_hidden_from_public(client, pending_petition, other_citizen):
    assert client.get(pending_petition.get_absolute_url()).status_code == 404
    client.force_login(other_citizen)
    assert client.get(pending_petition.get_absolute_url()).status_code == 404
    assert client.get(f"/petitions/{pending_petition.slug}/signer/").status_code == 404
    client.force_login(pending_petition.author)
    assert b"attend la relecture" in client.get(pending_petition.get_absolute_url()).content


def test_detail_for_anonymous_is_cacheable_and_escaped(client, citizen, institution, petition_type, moderator):
    petition = make_petition(
        citizen, institution, petition_type, title="<svg onload=alert(1)> haies", publish_by=moderator
    )
    response = client.get(petition.get_absolute_url())
    assert response.status_code == 200
    assert b"<svg onload" not in response.content and b"&lt;svg onload=alert(1)&gt;" in response.content
    assert "public" in response["Cache-Control"] and "s-maxage=10" in response["Cache-Control"]
    assert b"<progress" in response.content and b'style="' not in response.content


def test_anonymous_sign_confirm_and_count(client, open_petition):
    url = f"/petitions/{open_petition.slug}/signer/"
    assert client.get(url).status_code == 200
    response = client.post(url, SIGN)
    assert response.status_code == 302 and response["Location"].endswith("/signer/merci/")
    token = CONFIRM_RE.search(mail.outbox[-1].body).group(1)
    confirm_url = f"/petitions/confirmer/{token}/"
    # GET (mail scanners) confirms nothing.
    assert client.get(confirm_url).status_code == 200
    assert Signature.objects.get().confirmed_at is None
    response = client.post(confirm_url)
    assert response.status_code == 302 and response["Location"].endswith("/signer/confirmee/")
    assert "sessionid" not in "".join(response.cookies) and "messages" not in response.cookies
    thanks = client.get(response["Location"])
    assert "Merci, votre signature est confirmée" in thanks.content.decode()
    assert "<strong>1</strong>" in thanks.content.decode()
    page = client.get(open_petition.get_absolute_url()).content.decode()
    assert "<strong>1</strong>" in page
    assert "Alex Martin" in page and "alex@example.org" not in page
    count = client.get(f"/petitions/{open_petition.slug}/compte.json")
    assert count.json() == {"slug": open_petition.slug, "signatures": 1}
    assert "public" in count["Cache-Control"] and "s-maxage=20" in count["Cache-Control"]


def test_known_and_unknown_email_same_response(client, open_petition):
    url = f"/petitions/{open_petition.slug}/signer/"
    first = client.post(url, SIGN)
    second = client.post(url, {**SIGN, "email": "ALEX@example.org", "name": "Autre"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Signature.objects.count() == 1


def test_sign_page_reuses_the_petition_but_a_closed_one_refuses(client, open_petition, django_assert_num_queries):
    url = f"/petitions/{open_petition.slug}/signer/"
    assert client.get(url).status_code == 200
    with django_assert_num_queries(0):  # the petition read a moment ago, no session, no user
        assert client.get(url).status_code == 200
    Petition.objects.filter(pk=open_petition.pk).update(status="closed", closed_at=timezone.now())
    response = client.post(url, SIGN)  # this process still holds the open copy
    assert response.status_code == 200
    assert "Cette pétition ne recueille plus de signatures." in response.content.decode()
    assert not Signature.objects.exists() and not mail.outbox


def test_sign_form_errors_write_nothing(client, open_petition):
    url = f"/petitions/{open_petition.slug}/signer/"
    for data in (
        {},
        {**SIGN, "email": "nope"},
        {**SIGN, "name": ""},
        {**SIGN, "postcode": "abcde"},
        {"name": "A", "email": "a@example.org"},
        {**SIGN, "name": "x" * 500},
    ):
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert b"field-error" in response.content or b"error-summary" in response.content
    assert not Signature.objects.exists() and not mail.outbox


def test_signed_in_one_click_then_already(client, open_petition, other_citizen):
    client.force_login(other_citizen)
    url = f"/petitions/{open_petition.slug}/signer/"
    assert b"en un clic" in client.get(url).content
    response = client.post(url, {"show_name": "on"}, follow=True)
    assert "Merci, votre signature est enregistrée" in response.content.decode()
    response = client.post(url, {}, follow=True)
    assert "déjà signé" in response.content.decode()
    assert Signature.objects.count() == 1
    page = client.get(open_petition.get_absolute_url()).content.decode()
    assert "Retirer ma signature" in page
    client.post(f"/petitions/{open_petition.slug}/retirer/")
    assert not Signature.objects.exists()


def test_withdraw_needs_post(client, open_petition, other_citizen):
    client.force_login(other_citizen)
    services.sign_as_user(other_citizen, open_petition)
    assert client.get(f"/petitions/{open_petition.slug}/retirer/").status_code == 405
    assert Signature.objects.count() == 1


def test_draft_page_shows_similar_and_creates_pending(client, open_petition, other_citizen, institution):
    client.force_login(other_citizen)
    response = client.post("/petitions/nouvelle/", {"title": "Les haies du bocage disparaissent", "_similar": "1"})
    assert open_petition.title in response.content.decode()
    assert not Petition.objects.filter(author=other_citizen).exists()
    response = client.get("/petitions/similaires/?title=bocage+haies")
    assert open_petition.title in response.content.decode()
    response = client.post(
        "/petitions/nouvelle/",
        {
            "title": "Des arbres dans la cour",
            "demand": "Plantez des arbres.",
            "institution": institution.pk,
            "scope_level": "national",
        },
    )
    assert response.status_code == 302
    petition = Petition.objects.get(author=other_citizen)
    assert petition.status == "pending"


def test_draft_page_needs_login(client):
    assert client.get("/petitions/nouvelle/").status_code == 302


def test_staff_manage_permissions(client, pending_petition, other_admin, citizen):
    url = f"/petitions/{pending_petition.slug}/gestion/"
    assert client.get(url).status_code == 302
    for user in (other_admin, citizen):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "publish"}).status_code == 404
    assert Petition.objects.get().status == "pending"


def test_moderator_publishes_and_refuses_through_pages(client, pending_petition, moderator, citizen, institution):
    login_with_mfa(client, moderator)
    url = f"/petitions/{pending_petition.slug}/gestion/"
    assert pending_petition.title in client.get("/petitions/moderation/").content.decode()
    response = client.post(url, {"action": "refuse", "refuse-reason": ""})
    assert response.status_code == 200 and Petition.objects.get().status == "pending"
    assert client.post(url, {"action": "publish", "publish-closes_on": ""}).status_code == 302
    assert Petition.objects.get().status == "open"
    other = make_petition(citizen, institution, title="Autre")
    client.post(f"/petitions/{other.slug}/gestion/", {"action": "refuse", "refuse-reason": "Doublon."})
    other.refresh_from_db()
    assert other.status == "refused"
    client.force_login(citizen)
    assert "Doublon." in client.get(other.get_absolute_url()).content.decode()


def test_invalidation_through_page(client, open_petition, moderator):
    sign_and_confirm(open_petition, "a@spam.example")
    sign_and_confirm(open_petition, "b@example.org")
    login_with_mfa(client, moderator)
    response = client.post(
        f"/petitions/{open_petition.slug}/gestion/",
        {"action": "invalidate", "invalidate-domain": "spam.example", "invalidate-reason": "Robot"},
        follow=True,
    )
    assert "1 signature(s) invalidée(s)" in response.content.decode()
    assert services.exact_count(open_petition.pk) == 1


def test_export_csv_privacy(client, open_petition, other_citizen, inst_admin):
    services.sign_anonymous(
        open_petition,
        services.clean_signer(
            name='=HYPERLINK("http://evil")', email="f@example.org", commune=None, postcode="69001", abroad=False
        ),
    )
    services.confirm_signature(CONFIRM_RE.search(mail.outbox[-1].body).group(1))
    services.sign_anonymous(
        open_petition,
        services.clean_signer(name="Notify Me", email="n@example.org", commune=None, postcode="75001", abroad=False),
        notify_answer=True,
    )
    services.confirm_signature(CONFIRM_RE.search(mail.outbox[-1].body).group(1))
    url = f"/petitions/{open_petition.slug}/signatures.csv"
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    for user in (open_petition.author, inst_admin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response.streaming
        body = b"".join(response.streaming_content).decode()
        assert "'=HYPERLINK" in body
        assert "n@example.org" in body and "f@example.org" not in body


def test_answer_tracker_and_home_show_petition(client, open_petition):
    for i in range(3):
        sign_and_confirm(open_petition, f"s{i}@example.org")
    assert open_petition.title in client.get("/reponses/").content.decode()
    assert open_petition.title in client.get("/").content.decode()


def test_api_and_opendata(client, open_petition, pending_petition):
    sign_and_confirm(open_petition, "a@example.org", postcode="69001")
    services.reconcile_counts(open_petition.pk)
    data = client.get("/api/petitions").json()
    assert [p["slug"] for p in data["results"]] == [open_petition.slug]
    assert client.get(f"/api/petitions/{pending_petition.slug}").status_code == 404
    assert client.get(f"/api/petitions/{open_petition.slug}/count").json()["signatures"] == 1
    assert client.get(f"/api/petitions/{open_petition.slug}/departements").json() == [
        {"departement": "69", "name": "Rhône", "signatures": 1}
    ]
    csv_body = b"".join(client.get("/donnees/petitions.csv").streaming_content).decode()
    assert open_petition.slug in csv_body and pending_petition.slug not in csv_body and "@" not in csv_body
    feed = client.get("/petitions/flux.atom")
    assert feed.status_code == 200 and open_petition.title.encode() in feed.content


def test_token_pages(client):
    assert client.post("/petitions/confirmer/" + "x" * 43 + "/").status_code == 404
    assert client.post("/petitions/retirer/" + "x" * 43 + "/").status_code == 404


def test_confirming_visitor_sees_fresh_count_others_cached(client, open_petition):
    from django.test import Client

    other = Client()
    assert b"<strong>0</strong>" in other.get(open_petition.get_absolute_url()).content
    client.post(f"/petitions/{open_petition.slug}/signer/", SIGN)
    token = CONFIRM_RE.search(mail.outbox[-1].body).group(1)
    response = client.post(f"/petitions/confirmer/{token}/", follow=True)
    assert b"<strong>1</strong>" in response.content  # the "confirmed" page: exact count
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # Another anonymous reader gets the cached page (at most 55 s stale).
    assert b"<strong>0</strong>" in other.get(open_petition.get_absolute_url()).content
    # A query string does not bypass the cached fragment.
    assert b"<strong>0</strong>" in other.get(open_petition.get_absolute_url() + "?x=1").content
    # A second click on the link is harmless.
    again = client.post(f"/petitions/confirmer/{token}/")
    assert again.status_code == 302 and services.exact_count(open_petition.pk) == 1


def test_departement_map_svg(client, open_petition, pending_petition):
    sign_and_confirm(open_petition, "a@example.org", postcode="69001")
    response = client.get(f"/petitions/{open_petition.slug}/carte.svg")
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert "Rhône (69) : 1" in svg and "Ain (01) : 0" in svg and "style=" not in svg and "<script" not in svg
    assert "public" in response["Cache-Control"]
    assert client.get(f"/petitions/{pending_petition.slug}/carte.svg").status_code == 404


def test_clear_flags_through_page(client, open_petition, moderator):
    sign_and_confirm(open_petition, "a@example.org")
    services.flag_signatures(open_petition.pk, list(Signature.objects.values_list("pk", flat=True)), "cluster_burst")
    login_with_mfa(client, moderator)
    page = client.get(f"/petitions/{open_petition.slug}/gestion/").content.decode()
    assert "cluster_burst" in page
    response = client.post(
        f"/petitions/{open_petition.slug}/gestion/",
        {"action": "clear", "invalidate-domain": "example.org", "invalidate-reason": "Article de presse"},
        follow=True,
    )
    assert "1 signature(s) de nouveau comptée(s)" in response.content.decode()
    assert services.exact_count(open_petition.pk) == 1


def test_sign_form_instances_do_not_share_fields_or_widgets():
    from terreau.petitions.forms import SignForm

    first, second = SignForm(), SignForm()
    first.fields["name"].widget.attrs["data-x"] = "1"
    first.fields["email"].error_messages["required"] = "changed"
    first.fields["postcode"].validators.append(lambda value: None)
    assert "data-x" not in second.fields["name"].widget.attrs
    assert "data-x" not in SignForm.base_fields["name"].widget.attrs
    assert second.fields["email"].error_messages["required"] != "changed"
    assert len(second.fields["postcode"].validators) == len(SignForm.base_fields["postcode"].validators)
    assert second.fields["name"].widget.attrs["autocomplete"] == "name"
    assert first.fields["commune"].widget is not second.fields["commune"].widget
