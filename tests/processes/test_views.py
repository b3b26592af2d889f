import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from terreau.processes.models import Process
from tests.conftest import make_process

pytestmark = pytest.mark.django_db

XSS = '<svg onload=alert(1)>"><img src=x onerror=alert(2)>'


def test_public_pages(client, process, draft):
    for url in ["/", "/demarches/", "/reponses/", "/institutions/", f"/institutions/{process.institution.slug}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/demarches/{process.slug}/").content.decode()
    assert "Engagements de la démarche" in page and "Le conseil municipal" in page
    assert "<strong>corps</strong>" in page
    assert draft.title not in client.get("/demarches/").content.decode()


def test_draft_is_hidden_from_public_and_other_institutions(client, draft, citizen, other_admin, reviewer):
    assert client.get(f"/demarches/{draft.slug}/").status_code == 404
    client.force_login(citizen)
    assert client.get(f"/demarches/{draft.slug}/").status_code == 404
    client.force_login(other_admin)
    assert client.get(f"/demarches/{draft.slug}/").status_code == 404
    client.force_login(reviewer)
    assert client.get(f"/demarches/{draft.slug}/").status_code == 200


def test_backoffice_is_closed_to_others(client, process, citizen, other_admin, reviewer):
    urls = [
        f"/espace/demarches/{process.slug}/modifier/",
        f"/espace/demarches/{process.slug}/engagements/",
        f"/espace/demarches/{process.slug}/etapes/",
        f"/espace/demarches/{process.slug}/modules/",
        f"/espace/demarches/{process.slug}/reponse/",
        f"/espace/institutions/{process.institution.slug}/",
    ]
    assert client.get(urls[0]).status_code == 302  # anonymous: to login
    for user in (citizen, other_admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"/espace/demarches/{process.slug}/publier/").status_code == 404
        assert client.post(f"/espace/demarches/{process.slug}/archiver/").status_code == 404
    client.force_login(reviewer)
    assert client.get(f"/espace/institutions/{process.institution.slug}/").status_code == 200
    assert client.get(f"/espace/demarches/{process.slug}/modifier/").status_code == 404
    process.refresh_from_db()
    assert process.status == "published"


def test_state_changes_need_post(client, inst_admin, draft):
    client.force_login(inst_admin)
    assert client.get(f"/espace/demarches/{draft.slug}/publier/").status_code == 405
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_staff_without_totp_is_sent_to_mfa(client, institution):
    from tests.conftest import member

    admin = member(institution, "admin", totp=False)
    client.force_login(admin)
    response = client.get("/espace/")
    assert response.status_code == 302 and response["Location"] == "/compte/mfa-requise/"
    assert client.get("/admin/").status_code == 302


def test_create_process_through_the_form(client, inst_admin, institution):
    client.force_login(inst_admin)
    response = client.post(
        f"/espace/institutions/{institution.slug}/demarches/nouvelle/",
        {"title": "Plan vélo", "summary": "Des pistes", "body": "", "scope_level": "national", "image_alt": ""},
    )
    assert response.status_code == 302
    process = Process.objects.get(title="Plan vélo")
    assert response["Location"] == f"/espace/demarches/{process.slug}/engagements/"
    response = client.post(
        f"/espace/demarches/{process.slug}/engagements/",
        {
            "objective": "O",
            "decision_maker": "D",
            "open_to_change": "A",
            "not_open": "B",
            "use_of_contributions": "U",
            "answer_due": "2030-05-01",
        },
    )
    assert response.status_code == 302
    assert process.contract.answer_due.isoformat() == "2030-05-01"


@pytest.mark.parametrize(
    "data,message",
    [
        ({"title": "", "summary": "", "scope_level": "national"}, "Ce champ est obligatoire"),
        ({"title": "x" * 5000, "summary": "s", "scope_level": "national"}, "au plus 200"),
        ({"title": "T", "summary": "s", "scope_level": "planet"}, "Sélectionnez un choix valide"),
        ({"title": "T", "summary": "s", "scope_level": "region"}, "Choisissez le territoire concerné"),
        ({"title": "T", "summary": "s", "scope_level": "commune", "scope_commune": "99999"}, "Commune inconnue"),
    ],
)
def test_bad_process_input_is_refused_with_a_message(client, inst_admin, institution, data, message):
    client.force_login(inst_admin)
    response = client.post(f"/espace/institutions/{institution.slug}/demarches/nouvelle/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()
    assert not Process.objects.exists()


def test_html_is_escaped_everywhere(client, inst_admin, institution):
    client.force_login(inst_admin)
    client.post(
        f"/espace/institutions/{institution.slug}/demarches/nouvelle/",
        {"title": XSS, "summary": XSS, "body": XSS + "\n\n[x](javascript:alert(1))", "scope_level": "national"},
    )
    process = Process.objects.get()
    make_process(institution, slug="other")
    for url in [
        f"/demarches/{process.slug}/",
        f"/espace/demarches/{process.slug}/",
        f"/espace/institutions/{institution.slug}/",
    ]:
        html = client.get(url).content.decode()
        assert "<svg onload" not in html and "<img src=x" not in html, url
        assert "javascript:alert" not in html, url
    html = client.get(f"/demarches/?q={XSS}").content.decode()
    assert "<svg onload" not in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1e9", "%00"])
def test_bad_pagination_and_filters(client, process, page):
    response = client.get(f"/demarches/?page={page}&status=<b>&level=user__password&order=user__password")
    assert response.status_code == 200


def test_image_upload_is_reencoded_and_bad_files_refused(client, inst_admin, process):
    import io

    from PIL import Image

    client.force_login(inst_admin)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="PNG")
    fields = {"title": process.title, "summary": "s", "body": "", "scope_level": "national", "image_alt": "Une prairie"}
    response = client.post(
        f"/espace/demarches/{process.slug}/modifier/",
        {**fields, "image": SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")},
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.image.name.endswith(".webp")
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(f"/espace/demarches/{process.slug}/modifier/", {**fields, "image": fake})
    assert response.status_code == 200
    assert "image" in response.content.decode().lower()


def test_answer_publication_through_the_form(client, inst_admin, institution):
    late = make_process(institution, slug="late", due_in_days=-3)
    assert "En retard de 3 jours" in client.get("/reponses/").content.decode()
    client.force_login(inst_admin)
    assert client.post(f"/espace/demarches/{late.slug}/reponse/", {"body": ""}).status_code == 400
    response = client.post(f"/espace/demarches/{late.slug}/reponse/", {"body": "Nous retenons **trois** mesures."})
    assert response.status_code == 302
    client.logout()
    html = client.get("/reponses/").content.decode()
    assert "En retard de 3 jours" not in html
    assert "Réponse publiée avec 3 jours de retard" in html


def test_member_added_through_the_form(client, inst_admin, institution, citizen, other_admin):
    client.force_login(inst_admin)
    url = f"/espace/institutions/{institution.slug}/membres/"
    response = client.post(url, {"email": "nobody@example.org", "role": "moderator"})
    assert response.status_code == 400 and "doit d&#x27;abord s&#x27;inscrire" in response.content.decode()
    assert client.post(url, {"email": citizen.email, "role": "superuser"}).status_code == 400
    assert client.post(url, {"email": citizen.email.upper(), "role": "moderator"}).status_code == 302
    assert citizen.memberships.get().role == "moderator"
    client.force_login(other_admin)
    assert client.post(url, {"email": other_admin.email, "role": "admin"}).status_code == 404
    assert not other_admin.memberships.filter(institution=institution).exists()
