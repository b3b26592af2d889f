"""A published process with ~160 French comments (themes, a 25-person campaign, rare arguments)."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from terreau.synthesis import demo_data, services
from terreau.synthesis.models import Synthesis
from terreau.territories.models import Commune
from tests.conftest import make_process

SOURCE = "discussions.process_comments"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def participants(n: int, prefix: str = "p") -> list:
    User = get_user_model()
    communes = list(Commune.objects.filter(departement_id__in=["69", "38", "13"]).order_by("-population")[:6])
    return [
        User.objects.create_user(
            email=f"{prefix}{i}@example.org",
            password=None,
            display_name=f"P {i}",
            kind=("citizen", "association", "company")[i % 3],
            commune=communes[i % len(communes)] if communes else None,
        )
        for i in range(n)
    ]


@pytest.fixture
def commented_process(institution):
    process = make_process(institution, slug="zfe")
    users = participants(60)
    demo_data.add_comments(process, users, demo_data.corpus(random.Random(1)))
    return process


@pytest.fixture
def computed(commented_process, inst_admin) -> Synthesis:
    """A synthesis of the process comments, computed (draft)."""
    synthesis = Synthesis.objects.create(
        source=SOURCE,
        content_type=ContentType.objects.get_for_model(commented_process),
        object_id=commented_process.pk,
    )
    services.run_now(synthesis, inst_admin)
    synthesis.refresh_from_db()
    return synthesis
