"""Concurrent writers still build one linear chain."""

import threading

import pytest
from django.db import connection, connections, transaction

from terreau.audit.models import AuditEvent
from terreau.audit.services import record_event, verify_chain

THREADS = 8
PER_THREAD = 10


def run_threads(target, n: int = THREADS) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def skip_unless_shared_database():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file or server database (set SQLITE_TEST_NAME, or use PostgreSQL)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_chain():
    skip_unless_shared_database()

    def append(i: int) -> None:
        for j in range(PER_THREAD):
            with transaction.atomic():
                record_event("test.concurrent", data={"thread": i, "n": j})

    assert run_threads(append) == []
    sequences = list(AuditEvent.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS * PER_THREAD + 1))
    result = verify_chain()
    assert result.ok and result.count == THREADS * PER_THREAD


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_appends_on_an_empty_log():
    """No chain head row yet: the writers race to create it."""
    skip_unless_shared_database()
    assert run_threads(lambda i: record_event("test.first", data={"thread": i})) == []
    assert verify_chain().ok and AuditEvent.objects.count() == THREADS


@pytest.mark.django_db(transaction=True)
def test_appends_outside_any_transaction():
    skip_unless_shared_database()
    assert run_threads(lambda i: [record_event("test.autocommit") for _ in range(5)], 4) == []
    assert verify_chain().count == 20
