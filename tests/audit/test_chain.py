import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction

from terreau.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent, ChainLock
from terreau.audit.services import (
    BreakReason,
    actor_pseudonym,
    append_only_guard_installed,
    compute_hash,
    event_payload,
    hash_of_row,
    record_event,
    verify_chain,
)
from tests.audit.helpers import make_chain, raw_events, renumber, tampering

pytestmark = pytest.mark.django_db


def test_chain_grows_and_verifies(process, inst_admin):
    assert verify_chain().ok and verify_chain().count == 0
    first = record_event("test.created", actor=inst_admin, target=process, data={"b": 2, "a": [1, "é"]})
    second = record_event("test.updated")
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert (first.target_type, first.target_id) == ("processes.process", str(process.pk))
    assert second.actor is None and second.target_type is None and second.data == {}
    assert ChainLock.objects.count() == 1
    result = verify_chain()
    assert result.ok and result.intact and not result.partial
    assert (result.count, result.head_sequence, result.head_hash) == (2, 2, second.hash)


def test_hash_formula_is_the_documented_one():
    when = datetime.datetime(2026, 5, 1, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    payload = event_payload(
        sequence=1, created_at=when, kind="a.b", actor=None, target_type=None, target_id=None, data={"z": 1, "a": "é"}
    )
    text = (
        '{"actor":null,"created_at":"2026-05-01T08:30:00.000000+00:00","data":{"a":"é","z":1},'
        '"kind":"a.b","sequence":1,"target_id":null,"target_type":null}'
    )
    import hashlib

    assert compute_hash(GENESIS_HASH, payload) == hashlib.sha256((GENESIS_HASH + text).encode()).hexdigest()


def test_stored_rows_hash_back_to_their_hash():
    record_event("test.unicode", data={"texte": "Émilie « guillemets » 🌱", "n": 12345678901234567890, "ok": True})
    row = AuditEvent.objects.values().get()
    assert hash_of_row(row) == row["hash"]


def test_a_rolled_back_transaction_leaves_no_gap():
    record_event("test.one")
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event("test.lost")
        raise RuntimeError
    third = record_event("test.two")
    assert third.sequence == 2
    assert verify_chain().ok


@pytest.mark.parametrize(
    ("kind", "data", "error"),
    [
        ("Answer.Published", None, ValueError),
        ("answer", None, ValueError),
        ("answer.published<script>", None, ValueError),
        ("a." + "x" * 200, None, ValueError),
        ("a.b", {"x": 1.5}, TypeError),
        ("a.b", {1: "x"}, TypeError),
        ("a.b", {"x": object()}, TypeError),
        ("a.b", {"x": "nul\x00"}, ValueError),
        ("a.b", ["not", "a", "dict"], TypeError),
    ],
)
def test_bad_events_are_refused_and_write_nothing(kind, data, error):
    with pytest.raises(error):
        record_event(kind, data=data)
    assert not AuditEvent.objects.exists()


def test_data_is_canonicalised(process):
    import decimal
    import uuid

    event = record_event(
        "test.types",
        data={
            "amount": decimal.Decimal("12.50"),
            "id": uuid.UUID(int=1),
            "day": datetime.date(2026, 1, 2),
            "tuple": (1, 2),
        },
    )
    assert event.data == {
        "amount": "12.50",
        "id": "00000000-0000-0000-0000-000000000001",
        "day": "2026-01-02",
        "tuple": [1, 2],
    }
    assert verify_chain().ok


def test_unsaved_target_is_refused(institution):
    from terreau.processes.models import Process

    with pytest.raises(ValueError):
        record_event("test.event", target=Process(institution=institution))


# --- Pseudonyms ----------------------------------------------------------------------


def test_pseudonym_is_stable_and_reveals_nothing(citizen, other_citizen, settings):
    first = record_event("test.event", actor=citizen)
    second = record_event("test.event", actor=citizen)
    other = record_event("test.event", actor=other_citizen)
    assert first.actor == second.actor == actor_pseudonym(citizen)
    assert first.actor.startswith("u:") and len(first.actor) == 22
    assert other.actor != first.actor
    assert citizen.email not in first.actor and first.actor[2:] != str(citizen.pk)
    assert str(citizen.pk) not in AuditEvent.objects.values_list("actor", flat=True)
    assert actor_pseudonym(None) is None and actor_pseudonym(AnonymousUser()) is None
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert actor_pseudonym(citizen) != first.actor  # keyed: not computable without the secret


# --- Append-only guards --------------------------------------------------------------


def test_orm_refuses_changes():
    event = record_event("test.event", data={"n": 1})
    event.kind = "test.forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(kind="test.forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["kind"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.create(
            sequence=2, created_at=event.created_at, kind="x.y", prev_hash="a" * 64, hash="b" * 64
        )
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=2, kind="x.y", prev_hash="a" * 64, hash="b" * 64)])
    event.refresh_from_db()
    assert event.kind == "test.event" and AuditEvent.objects.count() == 1


def test_database_refuses_updates_behind_the_orm():
    event = record_event("test.event")
    assert append_only_guard_installed()
    with pytest.raises(DatabaseError), transaction.atomic():
        raw_events().filter(pk=event.pk).update(kind="test.forged")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            raw_events().filter(pk=event.pk)._raw_delete(connection.alias)
    assert AuditEvent.objects.get().kind == "test.event"


def test_database_forbids_forks():
    first, _second = make_chain(2)
    fork = AuditEvent(
        sequence=3, created_at=first.created_at, kind="x.y", prev_hash=first.hash, hash="c" * 64
    )  # a second child of event 1
    with pytest.raises(DatabaseError), transaction.atomic():
        raw_events().bulk_create([fork])
    fork.prev_hash = GENESIS_HASH  # a second genesis
    with pytest.raises(DatabaseError), transaction.atomic():
        raw_events().bulk_create([fork])


def test_admin_is_read_only(rf, platform_admin):
    from django.contrib.admin.sites import site

    model_admin = site._registry[AuditEvent]
    request = rf.get("/admin/")
    request.user = platform_admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.get_actions(request)


# --- Tampering is detected -----------------------------------------------------------


def test_modified_row_is_detected():
    make_chain(5)
    with tampering():
        raw_events().filter(sequence=3).update(data={"n": 300})
    result = verify_chain()
    assert not result.ok
    assert (result.broken.sequence, result.broken.reason) == (3, BreakReason.HASH_MISMATCH)
    assert result.count == 2


def test_modified_row_by_raw_sql_is_detected():
    make_chain(4)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET kind = %s WHERE sequence = %s", ["test.forged", 2])
    result = verify_chain()
    assert (result.broken.sequence, result.broken.reason) == (2, BreakReason.HASH_MISMATCH)


def test_modified_row_with_recomputed_hash_breaks_the_next_link():
    events = make_chain(4)
    row = AuditEvent.objects.values().get(sequence=2)
    row["kind"] = "test.forged"
    with tampering():
        raw_events().filter(sequence=2).update(kind="test.forged", hash=hash_of_row(row))
    result = verify_chain()
    assert (result.broken.sequence, result.broken.reason) == (3, BreakReason.PREV_HASH_MISMATCH)
    assert events[1].hash in result.broken.detail or row["hash"] in result.broken.detail


def test_deleted_row_is_detected():
    make_chain(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 3")
    result = verify_chain()
    assert (result.broken.sequence, result.broken.reason) == (3, BreakReason.SEQUENCE_GAP)
    assert "found 4" in result.broken.detail


def test_deleted_first_row_is_detected():
    make_chain(3)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 1")
    result = verify_chain()
    assert (result.broken.sequence, result.broken.reason) == (1, BreakReason.SEQUENCE_GAP)


def test_deleted_and_renumbered_row_is_detected():
    make_chain(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 3")
        renumber(cursor, 4, 3)
        renumber(cursor, 5, 4)
    result = verify_chain()
    assert (result.broken.sequence, result.broken.reason) == (3, BreakReason.PREV_HASH_MISMATCH)


def test_deleted_last_rows_are_revealed_only_by_a_published_head():
    events = make_chain(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence >= 4")
    assert verify_chain().intact  # a shorter chain is still a valid chain (honest limit)
    result = verify_chain(expected_head=events[-1].hash)
    assert not result.ok and not result.expected_head_found
    assert record_event("test.after").sequence == 4  # appending goes on from the shortened chain


def test_row_inserted_in_the_middle_is_detected():
    events = make_chain(5)
    with tampering() as cursor:
        for seq in (5, 4, 3):
            renumber(cursor, seq, seq + 1)
        forged = {
            "sequence": 3,
            "created_at": events[1].created_at + datetime.timedelta(seconds=1),
            "kind": "test.forged",
            "actor": None,
            "target_type": None,
            "target_id": None,
            "data": {"n": 0},
        }
        # The forger links the new row to event 2, but prev_hash is unique: event 2 already
        # has a child. So the old event 3 (now 4) is relinked to the forged row instead.
        forged_hash = compute_hash(events[1].hash, event_payload(**forged))
        cursor.execute("UPDATE audit_auditevent SET prev_hash = %s WHERE sequence = 4", ["e" * 64])
        raw_events().bulk_create([AuditEvent(**forged, prev_hash=events[1].hash, hash=forged_hash)])
        cursor.execute("UPDATE audit_auditevent SET prev_hash = %s WHERE sequence = 4", [forged_hash])
    result = verify_chain()
    assert result.count == 3  # the forged row itself is well formed
    assert (result.broken.sequence, result.broken.reason) == (4, BreakReason.HASH_MISMATCH)


def test_swapped_rows_are_detected():
    make_chain(5)
    with tampering() as cursor:
        renumber(cursor, 3, 1000)
        renumber(cursor, 4, 3)
        renumber(cursor, 1000, 4)
    result = verify_chain()
    assert (result.broken.sequence, result.broken.reason) == (3, BreakReason.PREV_HASH_MISMATCH)


def test_full_rewrite_passes_verification_but_loses_the_published_head():
    events = make_chain(4)
    published_head = events[-1].hash
    prev = events[0].hash
    with tampering():
        for seq in (2, 3, 4):
            row = AuditEvent.objects.values().get(sequence=seq)
            row.update(prev_hash=prev, data={"n": -seq})
            new_hash = hash_of_row(row)
            raw_events().filter(sequence=seq).update(prev_hash=prev, data=row["data"], hash=new_hash)
            prev = new_hash
    assert verify_chain().intact  # the server alone cannot tell...
    result = verify_chain(expected_head=published_head)
    assert not result.ok and not result.expected_head_found  # ...someone who kept the head can
    assert verify_chain(expected_head=events[0].hash).expected_head_sequence == 1


def test_detection_works_across_chunks():
    make_chain(10)
    with tampering():
        raw_events().filter(sequence=8).update(data={"n": 0})
    result = verify_chain(chunk_size=3)
    assert (result.broken.sequence, result.count) == (8, 7)
    assert verify_chain(chunk_size=3, start_sequence=9).ok


def test_partial_verification_checks_the_end_only():
    make_chain(6)
    with tampering():
        raw_events().filter(sequence=2).update(data={"n": 0})
    result = verify_chain(start_sequence=4)
    assert result.ok and result.partial and result.count == 3 and result.first_sequence == 4
    with tampering():
        raw_events().filter(sequence=5).update(data={"n": 0})
    assert verify_chain(start_sequence=4).broken.sequence == 5
