"""Property tests: whatever the sequence of votes, changes and merges, counters equal the vote rows."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from terreau.consultations import services
from terreau.consultations.models import Contribution, ContributionVote, Section, SectionVote
from tests.conftest import make_user, member

from .conftest import article

pytestmark = pytest.mark.django_db

CHOICES = ("agree", "mitigated", "disagree")
votes = st.lists(st.tuples(st.integers(0, 4), st.sampled_from(CHOICES)), max_size=25)


def _truth(model, **filters) -> tuple[int, int, int]:
    return tuple(model.objects.filter(choice=c, **filters).count() for c in CHOICES)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=votes)
def test_section_counters_match_the_votes(consultation, plan):
    art1 = article(consultation, "1er")
    voters = [make_user(f"p{i}@example.org") if not _exists(i) else _get(i) for i in range(5)]
    for i, choice in plan:
        services.cast_vote(voters[i], Section.objects.get(pk=art1.pk), choice)
    art1.refresh_from_db()
    assert (art1.agree_count, art1.mitigated_count, art1.disagree_count) == _truth(SectionVote, section=art1)
    assert SectionVote.objects.filter(section=art1).count() <= 5


@pytest.fixture
def _no_rate_limit(settings):  # the pytest-django fixture
    settings.TERREAU_CONSULTATION_RATE_LIMIT = (10_000, 600)


@pytest.mark.usefixtures("_no_rate_limit")
@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=votes, second=votes)
def test_merge_keeps_one_vote_per_participant_and_exact_counters(consultation, first, second):
    art1 = article(consultation, "1er")
    voters = [make_user(f"p{i}@example.org") if not _exists(i) else _get(i) for i in range(5)]
    author = voters[0]
    a = services.post_contribution(author, art1, kind="amendment", body=f"Version A {Contribution.objects.count()}")
    b = services.post_contribution(author, art1, kind="amendment", body=f"Version B {Contribution.objects.count()}")
    for i, choice in first:
        services.cast_vote(voters[i], Contribution.objects.get(pk=a.pk), choice)
    for i, choice in second:
        services.cast_vote(voters[i], Contribution.objects.get(pk=b.pk), choice)
    voters_before = set(
        ContributionVote.objects.filter(contribution__in=[a, b]).values_list("user_id", flat=True).distinct()
    )
    moderator = _moderator(consultation)
    services.merge(moderator, b, a)
    a.refresh_from_db()
    assert (a.agree_count, a.mitigated_count, a.disagree_count) == _truth(ContributionVote, contribution=a)
    assert set(ContributionVote.objects.filter(contribution=a).values_list("user_id", flat=True)) == voters_before
    assert not ContributionVote.objects.filter(contribution=b).exists()


def _exists(i: int) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email=f"p{i}@example.org").exists()


def _get(i: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=f"p{i}@example.org")


def _moderator(consultation):
    from terreau.processes.models import Membership

    found = Membership.objects.filter(role="moderator", institution=consultation.attached.process.institution).first()
    if found:
        return found.user
    return member(consultation.attached.process.institution, "moderator", email="mod-prop@example.org", totp=False)
