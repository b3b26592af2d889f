"""Petition fixtures: an institution with a petition type, petitions in several states."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from terreau.petitions import services
from terreau.petitions.models import Petition, PetitionType

CONFIRM_RE = re.compile(r"/petitions/confirmer/([A-Za-z0-9_\-]+)/")
WITHDRAW_RE = re.compile(r"/petitions/retirer/([A-Za-z0-9_\-]+)/")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.PETITIONS_COUNTER_SHARDS = 4
    settings.TERREAU_PETITION_FRAUD = {"enabled": False}
    services._postcode_map = None


@pytest.fixture
def petition_type(institution):
    return PetitionType.objects.create(
        institution=institution, name="Pétition locale", answer_threshold=3, answer_days=60, escalation_threshold=5
    )


def make_petition(author, institution, petition_type=None, *, title="Protéger les haies du bocage", publish_by=None):
    petition = services.draft_petition(
        author,
        title=title,
        demand="Nous demandons un plan de protection des haies.",
        context="Les haies **abritent** la biodiversité.",
        institution=institution,
        petition_type=petition_type,
    )
    if publish_by is not None:
        services.publish_petition(publish_by, petition)
        petition.refresh_from_db()
    return petition


@pytest.fixture
def pending_petition(citizen, institution, petition_type):
    return make_petition(citizen, institution, petition_type)


@pytest.fixture
def open_petition(citizen, institution, petition_type, moderator):
    return make_petition(citizen, institution, petition_type, publish_by=moderator)


def signer(name="Alex Martin", email="alex@example.org", commune=None, postcode="", abroad=False):
    return services.clean_signer(
        name=name, email=email, commune=commune, postcode=postcode, abroad=abroad or not (commune or postcode)
    )


def confirm_token_from_outbox(index: int = -1) -> str:
    match = CONFIRM_RE.search(mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match.group(1)


def sign_and_confirm(petition: Petition, email: str, **kwargs) -> None:
    services.sign_anonymous(petition, signer(email=email, **kwargs))
    assert services.confirm_signature(confirm_token_from_outbox()) is not None
