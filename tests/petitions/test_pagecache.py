"""The anonymous whole-page cache of petition pages (read storms)."""

from __future__ import annotations

import re

import pytest
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
    assert pagecache.PLACEHOLDER not in second.content.decode()
    assert second["Cache-Control"] == first["Cache-Control"]


def test_each_reader_gets_a_working_csrf_token(open_petition):
    url = open_petition.get_absolute_url()
    Client().get(url)  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    tokens = set(TOKEN_RE.findall(page.content.decode()))
    assert len(tokens) == 1
    assert "csrftoken" in page.cookies
    # The language form of the cached page works for this visitor...
    switched = visitor.post("/i18n/setlang/", {"csrfmiddlewaretoken": tokens.pop(), "language": "en", "next": url})
    assert switched.status_code == 302
    # ...and a token from someone else's page does not.
    other = TOKEN_RE.search(Client().get(url).content.decode()).group(1)
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/")
    assert stranger.post("/i18n/setlang/", {"csrfmiddlewaretoken": other, "language": "en"}).status_code == 403


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
