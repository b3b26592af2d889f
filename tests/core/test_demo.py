"""The French demo: every phase state and answer state, users of every kind, loaded once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from terreau.accounts.models import ParticipantKind
from terreau.audit.services import verify_chain
from terreau.processes.models import Process
from terreau.processes.queries import answer_status

pytestmark = pytest.mark.django_db


def test_demo_covers_every_state_and_loads_once(client):
    call_command("load_demo", "--once")
    call_command("load_demo", "--once")  # nothing happens the second time
    with pytest.raises(CommandError):
        call_command("load_demo")
    states = {p.slug: answer_status(p).state for p in Process.objects.exclude(status="draft")}
    assert set(states.values()) == {"due", "late", "answered_on_time", "answered_late"}
    assert Process.objects.filter(status="draft").count() == 1
    phase_states = {phase.state() for p in Process.objects.all() for phase in p.phases.all()}
    assert phase_states == {"past", "current", "upcoming"}
    kinds = set(get_user_model().objects.values_list("kind", flat=True))
    assert kinds == set(ParticipantKind.values)
    assert verify_chain().ok
    for process in Process.objects.exclude(status="draft"):
        assert client.get(f"/demarches/{process.slug}/").status_code == 200


def test_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Process.objects.exists()
