"""Concurrent votes and double submits on PostgreSQL: exact counters, one row per participant."""

from __future__ import annotations

import random
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from terreau.consultations import services
from terreau.consultations.models import Contribution, ContributionVote, Section, SectionVote
from tests.conftest import make_user

from .conftest import article, make_consultation

pytestmark = pytest.mark.django_db(transaction=True)

N = 20


def _run_concurrently(fns) -> list:
    barrier = threading.Barrier(len(fns))
    results: list = []
    lock = threading.Lock()

    def worker(fn):
        try:
            barrier.wait()
            outcome = fn()
        except Exception as exc:  # collected and checked by the test
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def world(institution):
    consultation = make_consultation(institution)
    return consultation, article(consultation, "1er")


@pytest.mark.usefixtures("_postgres_only")
def test_concurrent_identical_votes_give_one_row(world):
    _consultation, art1 = world
    voter = make_user("rapide@example.org")
    results = _run_concurrently([lambda: services.cast_vote(voter, Section.objects.get(pk=art1.pk), "agree").pk] * N)
    assert all(isinstance(r, int) for r in results), results
    assert SectionVote.objects.filter(section=art1).count() == 1
    art1.refresh_from_db()
    assert (art1.agree_count, art1.mitigated_count, art1.disagree_count) == (1, 0, 0)


@pytest.mark.usefixtures("_postgres_only")
def test_counters_stay_exact_under_concurrent_votes_and_changes(world):
    _consultation, art1 = world
    voters = [make_user(f"v{i}@example.org") for i in range(N)]
    rng = random.Random(4)
    plan = [(v, rng.choice(["agree", "mitigated", "disagree"])) for v in voters]
    plan += [(v, rng.choice(["agree", "mitigated", "disagree"])) for v in voters[: N // 2]]  # changes of mind
    rng.shuffle(plan)
    results = _run_concurrently(
        [lambda v=v, c=c: services.cast_vote(v, Section.objects.get(pk=art1.pk), c).pk for v, c in plan]
    )
    assert all(isinstance(r, int) for r in results), results
    art1.refresh_from_db()
    truth = {c: SectionVote.objects.filter(section=art1, choice=c).count() for c in ("agree", "mitigated", "disagree")}
    assert SectionVote.objects.filter(section=art1).count() == N
    assert (art1.agree_count, art1.mitigated_count, art1.disagree_count) == (
        truth["agree"],
        truth["mitigated"],
        truth["disagree"],
    )


@pytest.mark.usefixtures("_postgres_only")
def test_concurrent_votes_on_a_contribution_keep_the_contested_score(world):
    _consultation, art1 = world
    author = make_user("auteur@example.org")
    c = services.post_contribution(author, art1, kind="amendment", body="Extinction toute la nuit.")
    voters = [make_user(f"w{i}@example.org") for i in range(N)]
    choices = ["agree", "disagree"] * (N // 2)
    results = _run_concurrently(
        [
            lambda v=v, ch=ch: services.cast_vote(v, Contribution.objects.get(pk=c.pk), ch).pk
            for v, ch in zip(voters, choices, strict=True)
        ]
    )
    assert all(isinstance(r, int) for r in results), results
    c.refresh_from_db()
    assert (c.agree_count, c.disagree_count) == (N // 2, N // 2)
    assert ContributionVote.objects.filter(contribution=c).count() == N
    from terreau.consultations.ranking import contested_score

    assert c.contested == pytest.approx(contested_score(N // 2, 0, N // 2))


@pytest.mark.usefixtures("_postgres_only")
def test_concurrent_double_submit_gives_one_contribution(world, settings):
    settings.TERREAU_CONSULTATION_RATE_LIMIT = (1000, 600)
    _consultation, art1 = world
    author = make_user("double@example.org")
    token = "e" * 32
    results = _run_concurrently(
        [
            lambda: (
                services.post_contribution(
                    author, Section.objects.get(pk=art1.pk), kind="amendment", body="Une seule fois.", token=token
                ).pk
            )
        ]
        * N
    )
    assert Contribution.objects.count() == 1
    assert results == [Contribution.objects.get().pk] * N


@pytest.mark.usefixtures("_postgres_only")
def test_concurrent_answers_give_one_answer(world, institution):
    from tests.conftest import member

    _consultation, art1 = world
    c = services.post_contribution(make_user("a@example.org"), art1, kind="amendment", body="Texte.")
    admin = member(institution, "admin", email="adm@example.org", totp=False)
    results = _run_concurrently(
        [lambda: services.answer(admin, Contribution.objects.get(pk=c.pk), verdict="retained", explanation="Oui.").pk]
        * 8
    )
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, int | ValidationError) for r in results), results
