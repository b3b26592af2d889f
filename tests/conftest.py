"""Shared fixtures: people in every role, an institution, processes in every state."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.utils import timezone

from terreau.processes.models import (
    Institution,
    InstitutionAnswer,
    Membership,
    ParticipationContract,
    Phase,
    Process,
)

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached pages must not leak from one test to another."""
    from terreau.petitions.queries import forget_signing_copies

    cache.clear()
    forget_signing_copies()
    yield
    cache.clear()
    forget_signing_copies()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(
    email: str,
    *,
    name: str = "",
    kind: str = "citizen",
    staff: bool = False,
    superuser: bool = False,
    totp: bool = False,
):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        email=email,
        password=PASSWORD,
        display_name=name or email.split("@")[0].title(),
        kind=kind,
        is_staff=staff or superuser,
        is_superuser=superuser,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if totp:
        from allauth.mfa.totp.internal.auth import TOTP

        TOTP.activate(user, TOTP_SECRET)
    return user


def totp_code(offset: int = 0) -> str:
    """The current code for TOTP_SECRET (offset in 30 s steps).

    Near the end of a 30 s window, wait for the next one: on a loaded machine the request
    that checks the code may otherwise arrive after the code expired (no tolerance is set).
    """
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    remaining = 30 - time.time() % 30
    if remaining < 6:
        time.sleep(remaining + 0.05)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30 + offset))


@pytest.fixture
def citizen(db):
    return make_user("camille@example.org", name="Camille")


@pytest.fixture
def other_citizen(db):
    return make_user("dominique@example.org", name="Dominique")


@pytest.fixture
def platform_admin(db):
    return make_user("root@example.org", name="Plateforme", superuser=True, totp=True)


@pytest.fixture
def institution(db):
    return Institution.objects.create(name="Ville de Test", slug="ville-de-test", kind="commune")


@pytest.fixture
def other_institution(db):
    return Institution.objects.create(name="Autre Ville", slug="autre-ville", kind="commune")


def member(institution, role: str, email: str | None = None, totp: bool = True):
    user = make_user(
        email or f"{role}@{institution.slug}.example.org", name=f"{role.title()} {institution.name}", totp=totp
    )
    Membership.objects.create(institution=institution, user=user, role=role)
    return user


@pytest.fixture
def inst_admin(institution):
    return member(institution, "admin")


@pytest.fixture
def moderator(institution):
    return member(institution, "moderator")


@pytest.fixture
def facilitator(institution):
    return member(institution, "facilitator")


@pytest.fixture
def reviewer(institution):
    return member(institution, "reviewer")


@pytest.fixture
def other_admin(other_institution):
    return member(other_institution, "admin")


def make_process(
    institution,
    *,
    slug: str = "ma-demarche",
    status: str = "published",
    contract: bool = True,
    due_in_days: int = 30,
    phase_offsets: tuple[int, int] = (-5, 20),
    answered_days_ago: int | None = None,
    title: str | None = None,
):
    today = timezone.localdate()
    process = Process.objects.create(
        institution=institution,
        title=title or f"Démarche {slug}",
        slug=slug,
        summary="Un résumé de la démarche.",
        body="Le **corps** de la démarche.",
        status=status,
        published_at=None if status == "draft" else timezone.now(),
    )
    Phase.objects.create(
        process=process,
        kind="contribution",
        title="Contributions",
        start_date=today + datetime.timedelta(days=phase_offsets[0]),
        end_date=today + datetime.timedelta(days=phase_offsets[1]),
    )
    if contract:
        ParticipationContract.objects.create(
            process=process,
            objective="Objectif",
            decision_maker="Le conseil municipal",
            open_to_change="Le calendrier",
            not_open="Le principe",
            use_of_contributions="Synthèse publique",
            answer_due=today + datetime.timedelta(days=due_in_days),
        )
    if answered_days_ago is not None:
        InstitutionAnswer.objects.create(
            process=process,
            body="Notre réponse.",
            published_at=timezone.now() - datetime.timedelta(days=answered_days_ago),
        )
    return process


@pytest.fixture
def process(institution):
    return make_process(institution)


@pytest.fixture
def draft(institution):
    return make_process(institution, slug="brouillon", status="draft")


def login_with_mfa(client, user) -> None:
    """Log a TOTP-enrolled user in through the real allauth flow (password then code)."""
    response = client.post("/compte/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if "2fa" in response["Location"]:
        response = client.post(response["Location"], {"code": totp_code()})
        assert response.status_code == 302, response.content[:2000]
