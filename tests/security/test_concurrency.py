"""SECURITY.md #5: identical POSTs sent at the same moment produce exactly one row or event.

Threads need a database they can share: the in-memory SQLite test database cannot be, so these
tests skip there and run on PostgreSQL:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/terreau_security .venv/bin/pytest tests/security
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from terreau.audit.models import AuditEvent
from terreau.discussions import services as discussions
from terreau.moderation.models import Report
from terreau.processes.models import InstitutionAnswer, Membership, Process
from tests.conftest import make_process, make_user, member

N = 12


def skip_on_sqlite_memory():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads cannot share the in-memory SQLite test database: run these on PostgreSQL")


def hammer(user, url: str, data: dict, n: int = N) -> list[int]:
    """`n` logged-in clients POST the same form at the same moment; their status codes."""
    clients = []
    for _ in range(n):
        c = Client()
        c.force_login(user)
        clients.append(c)
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def worker(c: Client) -> None:
        try:
            barrier.wait()
            statuses.append(c.post(url, data).status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [], errors
    assert len(statuses) == n and all(s < 500 for s in statuses), statuses
    return statuses


@pytest.fixture
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TERREAU_REPORT_RATE_LIMIT = (1000, 60)
    settings.TERREAU_STAFF_MFA_REQUIRED = False


@pytest.mark.django_db(transaction=True)
def test_concurrent_publish_is_one_event(fast, institution):
    skip_on_sqlite_memory()
    admin = member(institution, "admin", totp=False)
    draft = make_process(institution, slug="brouillon", status="draft")
    hammer(admin, f"/espace/demarches/{draft.slug}/publier/", {})
    assert Process.objects.get(pk=draft.pk).status == "published"
    assert AuditEvent.objects.filter(kind="process.published", target_id=str(draft.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_answer_is_one_row_and_one_event(fast, institution):
    skip_on_sqlite_memory()
    admin = member(institution, "admin", totp=False)
    process = make_process(institution)
    hammer(admin, f"/espace/demarches/{process.slug}/reponse/", {"body": "Notre réponse."})
    assert InstitutionAnswer.objects.filter(process=process).count() == 1
    assert AuditEvent.objects.filter(kind="answer.published").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_member_add_is_one_row(fast, institution):
    skip_on_sqlite_memory()
    admin = member(institution, "admin", totp=False)
    newcomer = make_user("nouvelle@example.org")
    hammer(admin, f"/espace/institutions/{institution.slug}/membres/", {"email": newcomer.email, "role": "facilitator"})
    assert Membership.objects.filter(institution=institution, user=newcomer).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_report_is_one_row(fast, institution):
    skip_on_sqlite_memory()
    process = make_process(institution)
    author = make_user("auteur@example.org")
    reporter = make_user("rapporteur@example.org")
    comment = discussions.post_comment(author, process, "Un avis.")
    hammer(reporter, f"/moderation/signaler/discussions/comment/{comment.pk}/", {"reason": "spam"})
    assert Report.objects.filter(object_id=comment.pk, reporter=reporter).count() == 1
