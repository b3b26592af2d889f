"""Sort keys: "most contested", "most supported", and the random order stable per visitor."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from terreau.consultations.ranking import (
    SHUFFLE_MODULUS,
    contested_score,
    stable_shuffle_expression,
    stable_shuffle_key,
    stable_shuffle_sql,
    supported_score,
)

counts = st.integers(min_value=0, max_value=1_000_000)


def test_contested_examples():
    assert contested_score(50, 0, 50) == pytest.approx(100)
    assert contested_score(1, 0, 1) == pytest.approx(2)
    # A one-sided vote is not contested, however large.
    assert contested_score(5_000, 0, 0) == 0
    assert contested_score(0, 300, 10) == 0
    assert contested_score(50, 0, 5_000) < 2
    assert contested_score(100, 0, 50) == pytest.approx(37.5)
    # A real, large disagreement outranks a tiny even split and a clear majority.
    ranking = sorted(
        [(1, 0, 1), (10, 0, 9), (1_000, 0, 900), (100, 0, 50), (3_000, 0, 100)],
        key=lambda c: contested_score(*c),
        reverse=True,
    )
    assert ranking == [(1_000, 0, 900), (100, 0, 50), (10, 0, 9), (3_000, 0, 100), (1, 0, 1)]


def test_supported_examples():
    assert supported_score(0, 0, 0) == 0
    # 95 % of 100 votes is more trustworthy than 100 % of 3.
    assert supported_score(95, 0, 5) > supported_score(3, 0, 0)
    assert supported_score(1_000, 0, 0) > 0.99
    assert supported_score(0, 0, 1_000) == pytest.approx(0, abs=1e-9)
    # A mitigated vote is half a support.
    assert supported_score(10, 10, 0) < supported_score(20, 0, 0)
    assert supported_score(10, 10, 0) > supported_score(10, 0, 10)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        contested_score(-1, 0, 3)
    with pytest.raises(ValueError):
        supported_score(3, -1, 0)


@given(counts, counts, counts)
def test_contested_is_symmetric_and_non_negative(agree, mitigated, disagree):
    score = contested_score(agree, mitigated, disagree)
    assert score == contested_score(disagree, mitigated, agree)
    assert score >= 0
    assert (score == 0) == (agree == 0 or disagree == 0)


@given(counts, counts, counts)
def test_contested_grows_with_the_minority_and_with_mitigated_votes(agree, mitigated, disagree):
    minority, majority = sorted((agree, disagree))
    assume(0 < minority < majority)
    score = contested_score(minority, mitigated, majority)
    assert contested_score(minority + 1, mitigated, majority) > score
    assert contested_score(minority, mitigated + 1, majority) >= score
    # a larger majority alone makes the vote more one-sided, hence less contested
    assert contested_score(minority, 0, majority + 1) < contested_score(minority, 0, majority)


@given(st.integers(min_value=2, max_value=200_000), st.data())
def test_for_a_given_number_of_votes_a_closer_split_is_more_contested(total, data):
    a = data.draw(st.integers(min_value=1, max_value=total // 2))
    b = data.draw(st.integers(min_value=1, max_value=total // 2))
    assume(a < b)
    # (a, total - a) is further from even than (b, total - b)
    assert contested_score(a, 0, total - a) < contested_score(b, 0, total - b)


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=1, max_value=10_000), st.integers(2, 50))
def test_more_votes_with_the_same_split_are_more_contested(agree, disagree, factor):
    assert contested_score(agree * factor, 0, disagree * factor) > contested_score(agree, 0, disagree)


@given(counts, counts, counts)
def test_supported_is_a_probability_monotone_in_agree_and_disagree(agree, mitigated, disagree):
    score = supported_score(agree, mitigated, disagree)
    assert 0 <= score <= 1
    assert supported_score(agree + 1, mitigated, disagree) >= score
    assert supported_score(agree, mitigated, disagree + 1) <= score
    if agree + mitigated + disagree:
        assert score <= (agree + mitigated / 2) / (agree + mitigated + disagree) + 1e-12


@given(st.text(max_size=40), st.integers(min_value=0, max_value=2**62))
def test_shuffle_key_is_stable_and_bounded(seed, item_id):
    key = stable_shuffle_key(seed, item_id)
    assert key == stable_shuffle_key(seed, item_id)
    assert 0 <= key < SHUFFLE_MODULUS


@settings(max_examples=50)
@given(st.text(max_size=40), st.text(max_size=40))
def test_different_visitors_get_different_orders(seed1, seed2):
    assume(seed1 != seed2)
    ids = range(1, 41)
    order1 = sorted(ids, key=lambda i: (stable_shuffle_key(seed1, i), i))
    order2 = sorted(ids, key=lambda i: (stable_shuffle_key(seed2, i), i))
    assert order1 != order2
    assert order1 != list(ids)


def test_late_items_get_a_chance():
    """Over many visitors, the newest tenth of the items is about a tenth of the first page."""
    ids = range(1, 1_001)
    newest_on_first_page = 0
    for visitor in range(200):
        first_page = sorted(ids, key=lambda i: (stable_shuffle_key(f"visitor-{visitor}", i), i))[:20]
        newest_on_first_page += sum(1 for i in first_page if i > 900)
    share = newest_on_first_page / (200 * 20)
    assert 0.07 < share < 0.13


def test_sql_expression_refuses_anything_but_a_column_name():
    assert "consultations_contribution.id" in stable_shuffle_sql("x", "consultations_contribution.id")
    with pytest.raises(ValueError):
        stable_shuffle_sql("x", "id); DROP TABLE x; --")


@pytest.mark.django_db
def test_the_database_computes_the_same_keys_as_python():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    ids = [1, 2, 3, 97, 2**31 - 2, 2**31 - 1, 2**31, 2**40 + 7, 2**62 + 3]
    for i in ids:
        User.objects.create(id=i, email=f"u{i}@example.org", display_name=f"U{i}", password="!")
    for seed in ("", "abc", "visiteur-é", "x" * 64):
        expected = {i: stable_shuffle_key(seed, i) for i in ids}
        rows = User.objects.filter(id__in=ids).annotate(k=stable_shuffle_expression(seed)).values_list("id", "k")
        assert dict(rows) == expected, connection.vendor
        with connection.cursor() as cursor:
            table = User._meta.db_table
            cursor.execute(
                f"SELECT id, {stable_shuffle_sql(seed, 'id')} FROM {table} WHERE id IN ({','.join(map(str, ids))})"  # noqa: S608
            )
            assert dict(cursor.fetchall()) == expected
        ordered = list(
            User.objects.filter(id__in=ids)
            .alias(k=stable_shuffle_expression(seed))
            .order_by("k", "pk")
            .values_list("id", flat=True)
        )
        assert ordered == sorted(ids, key=lambda i: (expected[i], i))
