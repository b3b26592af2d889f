"""SECURITY.md #5: simultaneous identical staff POSTs give one synthesis, one run, one publication.
Threads need a shared database: these skip on in-memory SQLite and run on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from terreau.audit.models import AuditEvent
from terreau.synthesis.models import Synthesis, SynthesisRun
from tests.conftest import make_process, member
from tests.security.test_concurrency import hammer, skip_on_sqlite_memory

from .conftest import SOURCE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TERREAU_STAFF_MFA_REQUIRED = False
    # Queue without running the engine: the test is about rows, not results.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def test_concurrent_start_is_one_synthesis_and_one_run(fast, institution):
    skip_on_sqlite_memory()
    admin = member(institution, "admin", totp=False)
    process = make_process(institution)
    statuses = hammer(admin, "/espace/syntheses/lancer/", {"source": SOURCE, "object_id": process.pk})
    assert set(statuses) == {302}
    assert Synthesis.objects.count() == 1
    assert SynthesisRun.objects.filter(status="queued").count() == 1


def test_concurrent_publish_is_one_event(fast, institution):
    skip_on_sqlite_memory()
    admin = member(institution, "admin", totp=False)
    process = make_process(institution)
    synthesis = Synthesis.objects.create(
        source=SOURCE,
        content_type=ContentType.objects.get_for_model(process),
        object_id=process.pk,
        computed_at=timezone.now(),
    )
    hammer(admin, f"/espace/syntheses/{synthesis.pk}/publier/", {})
    assert Synthesis.objects.get(pk=synthesis.pk).is_published
    assert AuditEvent.objects.filter(kind="synthesis.published").count() == 1
