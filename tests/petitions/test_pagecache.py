"""The anonymous whole-page cache of petition pages (read storms)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from terreau.petitions import pagecache, services
from tests.conftest import PASSWORD
from tests.petitions.conftest import make_petition, sign_and_confirm

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def count_shown(response) -> str:
    return re.search(r'<p class="count"><strong>([^<]+)</strong>', response.content.decode()).group(1)


def test_second_anonymous_reader_costs_no_query(open_petition, django_assert_num_queries):
    url = open_petition.get_absolute_url()
    first = Client().get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = Client().get(url)
    assert second.status_code == 200
    assert open_petition.title in second.content.decode()
    assert second["Cache-Control"] == first["Cache-Control"]
    assert second["Vary"] == first["Vary"]


def test_anonymous_page_is_public_cookie_free_and_varies_by_language(open_petition):
    url = open_petition.get_absolute_url()
    for _attempt in ("miss", "hit"):
        page = Client(enforce_csrf_checks=True).get(url)
        assert page.status_code == 200
        directives = {d.strip() for d in page["Cache-Control"].split(",")}
        assert {"public", f"max-age={pagecache.BROWSER_TTL}", f"s-maxage={pagecache.PROXY_TTL}"} == directives
        assert {"Accept-Language", "Cookie"} <= {v.strip() for v in page["Vary"].split(",")}
        assert not page.cookies and "Set-Cookie" not in page
        assert not TOKEN_RE.search(page.content.decode())
        # The signing form is one click away; the language form is a GET.
        assert f'href="/petitions/{open_petition.slug}/signer/"' in page.content.decode()
        assert 'action="/i18n/langue/" method="get"' in page.content.decode()
    # The staleness budget of the module doc: at most 60 s.
    from terreau.petitions import queries, views

    total = queries.COUNT_TTL + views.PAGE_TTL + pagecache.PAGE_TTL + pagecache.PROXY_TTL + pagecache.BROWSER_TTL
    assert total <= 60


def test_language_switch_is_a_get_that_sets_the_cookie(open_petition):
    url = open_petition.get_absolute_url()
    visitor = Client()
    switched = visitor.get("/i18n/langue/", {"language": "en", "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "no-cache" in switched["Cache-Control"] or "max-age=0" in switched["Cache-Control"]
    page = visitor.get(url)
    assert page["Content-Language"] == "en"
    # Unknown languages are ignored; foreign or odd targets go home.
    assert settings.LANGUAGE_COOKIE_NAME not in Client().get("/i18n/langue/", {"language": "xx"}).cookies
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        assert Client().get("/i18n/langue/", {"language": "en", "next": evil})["Location"] == "/", evil


def test_signed_in_and_session_pages_stay_private(open_petition, citizen):
    url = open_petition.get_absolute_url()
    reader = Client()
    assert reader.login(email=citizen.email, password=PASSWORD)
    page = reader.get(url)
    assert "private" in page["Cache-Control"] and "public" not in page["Cache-Control"]
    anonymous_with_session = Client()
    anonymous_with_session.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    page = anonymous_with_session.get(url)
    assert "private" in page["Cache-Control"] and "public" not in page["Cache-Control"]
    assert "private" in Client().get(url + "?x=1")["Cache-Control"]


def test_count_is_at_most_the_ttls_stale_and_fresh_after_invalidation(open_petition):
    url = open_petition.get_absolute_url()
    assert count_shown(Client().get(url)) == "0"
    sign_and_confirm(open_petition, "alex@example.org", abroad=True)
    assert count_shown(Client().get(url)) == "0"  # cached page: stale for at most PAGE_TTL
    services.invalidate_page_cache(open_petition.pk)
    assert count_shown(Client().get(url)) == "1"


def test_signed_in_users_and_sessions_bypass_the_cache(open_petition, citizen):
    url = open_petition.get_absolute_url()
    Client().get(url)
    reader = Client()
    assert reader.login(email=citizen.email, password=PASSWORD)
    page = reader.get(url).content.decode()
    assert "Se déconnecter" in page  # rendered for this user, not the anonymous copy


def test_query_strings_bypass_the_cache(open_petition):
    url = open_petition.get_absolute_url()
    Client().get(url)
    sign_and_confirm(open_petition, "alex@example.org", abroad=True)
    cache.delete(services.count_cache_key(open_petition.pk))
    cache.delete(f"petitions:page:{open_petition.pk}:fr")
    assert count_shown(Client().get(url)) == "0"
    assert count_shown(Client().get(url + "?x=1")) == "1"


def test_closed_petition_leaves_the_cache_at_once(citizen, institution, petition_type, moderator, inst_admin):
    petition = make_petition(citizen, institution, petition_type, publish_by=moderator)
    url = petition.get_absolute_url()
    assert Client().get(url).status_code == 200
    services.close_petition(inst_admin, petition)
    petition.refresh_from_db()
    assert "La collecte des signatures est close." in Client().get(url).content.decode()
