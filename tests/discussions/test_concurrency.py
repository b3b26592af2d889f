"""Concurrent identical POSTs produce one row (PostgreSQL: real concurrent transactions)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from terreau.discussions import services
from terreau.discussions.models import Comment
from terreau.moderation import services as moderation
from terreau.moderation.models import Decision, Report
from tests.conftest import make_process, make_user, member

pytestmark = pytest.mark.django_db(transaction=True)

N = 20


def _run_concurrently(fn, n: int = N) -> list:
    barrier = threading.Barrier(n)
    results: list = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            outcome = fn()
        except Exception as exc:  # collected and checked by the test
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.mark.usefixtures("_postgres_only")
def test_concurrent_double_submit_gives_one_comment(institution, settings):
    settings.TERREAU_COMMENT_RATE_LIMIT = (1000, 600)
    process = make_process(institution)
    author = make_user("rapide@example.org")
    token = "d" * 32
    results = _run_concurrently(lambda: services.post_comment(author, process, "Un seul", token=token).pk)
    assert Comment.objects.count() == 1
    assert results == [Comment.objects.get().pk] * N


@pytest.mark.usefixtures("_postgres_only")
def test_concurrent_reports_give_one_report(institution, settings):
    process = make_process(institution)
    comment = services.post_comment(make_user("auteur@example.org"), process, "À signaler")
    reporter = make_user("signale@example.org")
    results = _run_concurrently(lambda: moderation.report(reporter, comment, reason="spam").pk)
    assert Report.objects.count() == 1
    assert all(isinstance(r, int | ValidationError) for r in results), results


@pytest.mark.usefixtures("_postgres_only")
def test_concurrent_hides_give_one_decision(institution):
    process = make_process(institution)
    comment = services.post_comment(make_user("auteur@example.org"), process, "À masquer")
    moderators = [member(institution, "moderator", email=f"m{i}@example.org", totp=False) for i in range(4)]
    results = _run_concurrently(lambda: moderation.hide(moderators[0], comment, reason="spam").pk, n=8)
    assert Decision.objects.filter(action="hidden").count() == 1
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, int | ValidationError) for r in results), results
