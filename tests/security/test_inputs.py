"""SECURITY.md #2 (CSV formulas), #3 (ordering and filter injection), #6 (frozen contract),
#7 (open redirects)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from terreau.discussions import services as discussions
from terreau.opendata.exports import FORMULA_PREFIXES, all_datasets
from terreau.processes import services
from terreau.processes.models import Institution, InstitutionAnswer, ParticipationContract, Phase, Process
from tests.conftest import PASSWORD, make_process, make_user

from .conftest import FORMULAS
from .test_routes import snapshot

pytestmark = pytest.mark.django_db


# --- #2 CSV formulas --------------------------------------------------------------------------


@pytest.fixture
def formulas(db):
    today = timezone.localdate()
    objects = []
    for i, text in enumerate(FORMULAS):
        inst = Institution.objects.create(
            name=text, slug=f"inst-{i}", kind="commune", description=text, website="https://example.org/" + str(i)
        )
        process = Process.objects.create(
            institution=inst,
            title=text,
            slug=f"proc-{i}",
            summary=text,
            body=text,
            status="published",
            published_at=timezone.now(),
        )
        Phase.objects.create(process=process, kind="contribution", title=text, start_date=today, end_date=today)
        ParticipationContract.objects.create(
            process=process,
            objective=text,
            decision_maker=text,
            open_to_change=text,
            not_open=text,
            use_of_contributions=text,
            answer_due=today,
        )
        author = make_user(f"f{i}@example.org", name=text)
        discussions.post_comment(author, process, text + " commentaire")
        objects.append(process)
    return objects


def _is_number(cell: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", cell))


def test_every_csv_export_neutralises_formulas(formulas, client):
    names = [d.name for d in all_datasets()]
    assert {"institutions", "demarches", "reponses", "commentaires"} <= set(names)
    checked = 0
    for name in names:
        response = client.get(f"/donnees/{name}.csv")
        assert response.status_code == 200, name
        text = b"".join(response.streaming_content).decode()
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                if cell and not _is_number(cell):
                    assert not cell.startswith(FORMULA_PREFIXES), (name, cell)
                    checked += 1
        if name in {"institutions", "demarches", "reponses", "commentaires"}:
            assert "'=HYPERLINK" in text or "'+1+1" in text, name  # the hostile rows are there
    assert checked


# --- #3 ordering and filters ------------------------------------------------------------------

HOSTILE = [
    "order=user__password",
    "order=-created_by__password",
    "ordering=created_by__password",
    "sort=-id",
    "author__email__startswith=zzz",
    "created_by__email__startswith=zzz",
    "institution__memberships__user__email__startswith=zzz",
    "status=draft",
    "kind=zzz",
    "show=pending&order=password",
    "vue=signalements&order=reporter__email",
]
SLUGS = re.compile(r"/(?:demarches|institutions)/([a-z0-9-]+)/")


@pytest.fixture
def listing(db, institution, other_institution):
    for i, slug in enumerate(["alpha", "beta", "gamma"]):
        make_process(institution if i % 2 else other_institution, slug=slug, title=f"Démarche {slug}")
    make_process(institution, slug="secret-draft", status="draft")
    for i in range(3):
        make_user(f"org{i}@example.org", name=f"Org {i}", kind="association")


def test_html_lists_ignore_hostile_order_and_filters(listing, client, platform_admin):
    client.force_login(platform_admin)
    for url in (
        "/demarches/",
        "/institutions/",
        "/institutions/ville-de-test/",
        "/reponses/",
        "/",
        "/moderation/journal/",
        "/audit/",
        "/compte/organisations/",
        "/territoires/communes/?q=lyon",
    ):
        joiner = "&" if "?" in url else "?"
        base = client.get(url)
        assert base.status_code == 200, url
        expected = SLUGS.findall(base.content.decode())
        for params in HOSTILE:
            response = client.get(url + joiner + params)
            assert response.status_code in (200, 400), (url, params)
            if response.status_code == 200:
                assert SLUGS.findall(response.content.decode()) == expected, (url, params)
            assert "secret-draft" not in response.content.decode()


def test_api_lists_ignore_or_refuse_hostile_order_and_filters(listing, client):
    for url in (
        "/api/institutions",
        "/api/processes",
        "/api/answers",
        "/api/processes/alpha/comments",
        "/api/territories/regions",
        "/api/territories/departements",
        "/api/territories/communes?q=lyon",
    ):
        joiner = "&" if "?" in url else "?"
        base = client.get(url).json()
        for params in [*HOSTILE, "limit=100000", "limit=-1", "offset=-5", "page=0", "page=abc"]:
            response = client.get(url + joiner + params)
            assert response.status_code in (200, 400, 422), (url, params, response.status_code)
            if response.status_code == 200:
                assert response.json()["results"] == base["results"], (url, params)
            assert "secret-draft" not in response.content.decode()


def test_moderation_queue_ignores_hostile_parameters(db, client, institution, moderator, citizen, other_citizen):
    process = make_process(institution)
    comment = discussions.post_comment(citizen, process, "Un avis.")
    from terreau.moderation import services as moderation

    moderation.report(other_citizen, comment, reason="spam")
    client.force_login(moderator)
    base = client.get(f"/moderation/{institution.slug}/")
    assert base.status_code == 200
    for params in [*HOSTILE, "page=-1", "page=99999", "vue=../../"]:
        response = client.get(f"/moderation/{institution.slug}/?{params}")
        assert response.status_code in (200, 400), params
        assert other_citizen.email not in response.content.decode()


# --- #6 frozen contract -------------------------------------------------------------------------


def test_contract_and_answer_date_freeze_once_answered(client, institution, inst_admin):
    process = make_process(institution, answered_days_ago=1, due_in_days=-5)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.save_contract(inst_admin, process, answer_due=timezone.localdate() + datetime.timedelta(days=90))
    client.force_login(inst_admin)
    response = client.post(
        f"/espace/demarches/{process.slug}/engagements/",
        {
            "objective": "Autre",
            "decision_maker": "Autre",
            "open_to_change": "Autre",
            "not_open": "Autre",
            "use_of_contributions": "Autre",
            "answer_due": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        },
    )
    assert response.status_code in (200, 400)
    # A second answer (new date, new text) is refused as well.
    with pytest.raises(ValidationError):
        services.publish_answer(inst_admin, process, "Une autre réponse")
    response = client.post(f"/espace/demarches/{process.slug}/reponse/", {"body": "Une autre réponse"})
    assert response.status_code == 302
    assert snapshot() == before


def test_admin_cannot_rewrite_a_published_answer_or_its_contract(client, institution, platform_admin):
    """The Django admin is no back door: the answer and, once answered, the contract are read-only."""
    process = make_process(institution, answered_days_ago=1, due_in_days=-5)
    answer = InstitutionAnswer.objects.get(process=process)
    contract = ParticipationContract.objects.get(process=process)
    client.force_login(platform_admin)
    change = client.get(f"/admin/processes/institutionanswer/{answer.pk}/change/")
    assert change.status_code == 200
    assert 'name="published_at_0"' not in change.content.decode()
    assert 'name="body"' not in change.content.decode()
    client.post(
        f"/admin/processes/institutionanswer/{answer.pk}/change/",
        {"process": process.pk, "body": "Réécrite", "published_at_0": "2000-01-01", "published_at_1": "00:00:00"},
    )
    client.post(f"/admin/processes/institutionanswer/{answer.pk}/delete/", {"post": "yes"})
    page = client.get(f"/admin/processes/process/{process.pk}/change/").content.decode()
    assert 'name="contract-0-answer_due"' not in page
    answer.refresh_from_db()
    contract.refresh_from_db()
    assert answer.body == "Notre réponse." and answer.published_at.year > 2000
    assert contract.answer_due == timezone.localdate() - datetime.timedelta(days=5)
    assert client.get("/admin/processes/institutionanswer/add/").status_code == 403


# --- #7 open redirects --------------------------------------------------------------------------

EVIL = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "///evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "http://testserver@evil.example",
]


def _local(location: str) -> bool:
    # Browsers drop tabs and newlines and read a backslash as a slash before resolving.
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(cleaned)
    return cleaned.startswith("/") and not cleaned.startswith("//") and not parts.scheme and not parts.netloc


def _assert_stays(response, label):
    if response.status_code in (301, 302, 303):
        assert _local(response["Location"]), (label, response["Location"])


def test_next_parameters_stay_on_site(db, citizen, settings):
    settings.ACCOUNT_RATE_LIMITS = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    citizen.set_password(PASSWORD)
    citizen.save(update_fields=["password"])
    for evil in EVIL:
        c = Client()
        response = c.post("/compte/login/", {"login": citizen.email, "password": PASSWORD, "next": evil})
        assert response.status_code == 302, evil  # logged in, and sent...
        _assert_stays(response, ("login", evil))  # ...somewhere on the site
        c.force_login(citizen)
        _assert_stays(c.post("/compte/logout/", {"next": evil}), ("logout", evil))
        _assert_stays(c.post("/i18n/setlang/", {"language": "en", "next": evil}), ("setlang", evil))
        _assert_stays(
            c.post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=evil.strip()), ("setlang referer", evil)
        )
        c.force_login(citizen)
        _assert_stays(c.post("/compte/oidc/deconnexion/", {"next": evil}), ("oidc logout", evil))


def test_login_next_is_rendered_safely(db, client):
    for evil in EVIL:
        body = client.get("/compte/login/", {"next": evil}).content.decode()
        assert 'href="javascript:' not in body and "href='javascript:" not in body


def test_oidc_login_keeps_only_local_next(db, client, settings):
    from terreau.accounts.oidc import safe_next_url

    class Request:
        def get_host(self):
            return "testserver"

        def is_secure(self):
            return False

    for evil in EVIL:
        kept = safe_next_url(Request(), evil)
        assert kept is None or _local(kept), evil
    assert safe_next_url(Request(), "/demarches/") == "/demarches/"


def test_moderation_next_stays_on_site(db, client, settings, institution, moderator, citizen):
    settings.TERREAU_COMMENT_RATE_LIMIT = (1000, 60)
    process = make_process(institution)
    for evil in EVIL:
        comment = discussions.post_comment(citizen, process, f"Un avis {evil}.")
        client.force_login(moderator)
        base = f"/moderation/{institution.slug}/element/discussions/comment/{comment.pk}"
        _assert_stays(client.post(f"{base}/rejeter/", {"next": evil}), ("dismiss", evil))
        _assert_stays(client.post(f"{base}/masquer/", {"reason": "spam", "next": evil}), ("hide", evil))
        _assert_stays(client.post(f"{base}/retablir/", {"next": evil}), ("restore", evil))
    assert ContentType.objects.exists()
