"""Canonical JSON: the same data, whatever its key order, gives the same hash."""

import datetime
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terreau.audit.models import AuditEvent
from terreau.audit.services import (
    canonical_data,
    canonical_json,
    compute_hash,
    event_payload,
    hash_of_row,
    record_event,
)

TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=20)
SCALARS = st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | TEXT
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)
DATA = st.dictionaries(TEXT, JSON, max_size=6)
WHEN = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def shuffled(value, rng: random.Random):
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


def hash_for(data) -> str:
    payload = event_payload(
        sequence=1, created_at=WHEN, kind="a.b", actor=None, target_type=None, target_id=None, data=data
    )
    return compute_hash("0" * 64, payload)


@given(DATA, st.randoms(use_true_random=False))
def test_key_order_does_not_change_the_hash(data, rng):
    other = shuffled(data, rng)
    assert canonical_json(canonical_data(other)) == canonical_json(canonical_data(data))
    assert hash_for(canonical_data(other)) == hash_for(canonical_data(data))


@given(DATA)
def test_canonical_form_is_stable(data):
    clean = canonical_data(data)
    assert canonical_data(clean) == clean
    text = canonical_json(clean)
    assert json.loads(text) == clean
    assert canonical_json(json.loads(text)) == text
    assert json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == text


@given(DATA)
def test_different_data_gives_a_different_hash(data):
    changed = {**data, "\u00e9cho": ["changed", data.get("\u00e9cho")]}
    assert hash_for(canonical_data(changed)) != hash_for(canonical_data(data))


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DATA, st.randoms(use_true_random=False))
def test_data_survives_the_database(data, rng):
    """What the database gives back (jsonb reorders keys) still hashes to the stored hash."""
    event = record_event("test.property", data=shuffled(data, rng))
    row = AuditEvent.objects.values().get(pk=event.pk)
    assert row["data"] == canonical_data(data)
    assert hash_of_row(row) == event.hash
