"""Concurrent duplicate signatures and confirmations (PostgreSQL: real concurrent transactions).

A bounded version of the reliability benchmark (bench/petitions_load.py, stage "dup").
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from terreau.petitions import services
from terreau.petitions.models import Signature
from tests.conftest import make_user
from tests.petitions.conftest import confirm_token_from_outbox, signer

pytestmark = pytest.mark.django_db(transaction=True)

N = 20


def _run_concurrently(fn, n: int = N) -> list:
    barrier = threading.Barrier(n)
    results: list = []
    lock = threading.Lock()

    def worker(i: int):
        try:
            barrier.wait()
            outcome = fn(i)
        except Exception as exc:  # collected and checked by the test
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL (DATABASE_URL=postgres://...)")


def test_concurrent_duplicate_signatures_give_one_row(open_petition):
    # Spellings of one Gmail mailbox: case, dots, +tag, googlemail.
    variants = [
        "Alex.Martin@gmail.com",
        "alexmartin+petition@gmail.com",
        "ALEX.MARTIN@googlemail.com",
        "alexmartin@gmail.com",
    ]
    results = _run_concurrently(
        lambda i: services.sign_anonymous(open_petition, signer(email=variants[i % len(variants)]), ip="192.0.2.1")
    )
    assert results == [None] * N  # no error escapes: the page is the same for every attempt
    rows = Signature.objects.filter(petition=open_petition)
    assert list(rows.values_list("email_normalized", flat=True)) == ["alexmartin@gmail.com"]


def test_concurrent_duplicate_posts_through_the_form_give_one_row(open_petition):
    url = f"/petitions/{open_petition.slug}/signer/"

    def post(_i: int) -> int:
        response = Client().post(url, {"name": "Alex Martin", "email": "alex@example.org", "abroad": "on"})
        return response.status_code

    statuses = _run_concurrently(post)
    assert Signature.objects.filter(petition=open_petition).count() == 1
    assert set(statuses) <= {302, 303}, statuses  # everyone sees the same "check your email" page


def test_concurrent_confirmations_count_once(open_petition):
    services.sign_anonymous(open_petition, signer(email="alex@example.org"))
    token = confirm_token_from_outbox()
    results = _run_concurrently(lambda _i: services.confirm_signature(token))
    assert all(isinstance(r, Signature) for r in results), results
    assert Signature.objects.get().counted
    assert services.exact_count(open_petition.pk) == 1


def test_concurrent_confirmations_of_different_signatures_lose_no_update(open_petition):
    tokens = []
    for i in range(N):
        services.sign_anonymous(open_petition, signer(email=f"personne{i}@example.org"))
        tokens.append(confirm_token_from_outbox())
    _run_concurrently(lambda i: services.confirm_signature(tokens[i]))
    assert Signature.objects.filter(petition=open_petition, counted=True).count() == N
    assert services.exact_count(open_petition.pk) == N
    assert services.reconcile_counts(open_petition.pk) == {"shards": N, "exact": N}


def test_concurrent_one_click_signatures_give_one_row(open_petition):
    user = make_user("connectee@example.org", name="Connectée")
    results = _run_concurrently(lambda _i: services.sign_as_user(user, open_petition))
    assert sorted(results) == ["already"] * (N - 1) + ["signed"]
    assert Signature.objects.filter(petition=open_petition, user=user).count() == 1
    assert services.exact_count(open_petition.pk) == 1
