"""Schemathesis fuzzes every operation of the OpenAPI document against the app, in-process.

Checks (schemathesis defaults): no server error, status codes, content types and bodies
match the document, invalid input is rejected with a 4xx and valid input is not.

The schema is loaded when the module is collected (serving /api/openapi.json needs no
database); `schemathesis.pytest.from_fixture` would load it per test but does not work with
pytest 9 (it sets the removed `Node._nodeid`).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from terreau.config.wsgi import application
from terreau.discussions.services import post_comment
from terreau.processes.models import Institution, Process

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def fuzz_env(db, public_data, citizen, settings):
    settings.TERREAU_API_RATE = None  # the fuzzer sends hundreds of requests in a minute
    first = post_comment(citizen, public_data.open, "Un **avis** argumenté.")
    post_comment(citizen, public_data.open, "Une réponse.", parent=first)
    # The document's examples name demo objects: make them exist so the examples phase reads
    # real data (200 answers with bodies), not only 404s.
    Process.objects.filter(pk=public_data.open.pk).update(slug="zfe-prochaine-etape")
    Institution.objects.filter(pk=public_data.institution.pk).update(slug="metropole-de-lyon")
    # Werkzeug calls the WSGI handler in this thread, on the test's connection and inside its
    # transaction: keep Django from closing that connection at the end of each request (as
    # Django's own test client does).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield public_data
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_fuzz(case, fuzz_env):
    case.call_and_validate()
