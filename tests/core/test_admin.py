import pytest

pytestmark = pytest.mark.django_db


def test_admin_pages_render_for_a_superuser(client, platform_admin, process):
    client.force_login(platform_admin)
    for url in [
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{platform_admin.pk}/change/",
        "/admin/accounts/user/add/",
        "/admin/processes/process/",
        f"/admin/processes/process/{process.pk}/change/",
        "/admin/processes/institution/",
        "/admin/pages/page/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_is_closed_to_institution_admins(client, inst_admin):
    client.force_login(inst_admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
