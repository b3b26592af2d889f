import io

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from terreau.audit.models import GENESIS_HASH
from tests.audit.helpers import make_chain, raw_events, tampering

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_empty_chain_is_intact():
    assert run().strip() == f"Audit chain intact: 0 events, head {GENESIS_HASH}"


def test_intact_chain():
    events = make_chain(7)
    assert run("--chunk-size", "2").strip() == f"Audit chain intact: 7 events, head {events[-1].hash}"


def test_broken_chain_names_the_first_broken_event():
    make_chain(6)
    with tampering():
        raw_events().filter(sequence=4).update(kind="test.forged")
        raw_events().filter(sequence=5).update(kind="test.forged")
    with pytest.raises(CommandError) as exc:
        run()
    assert exc.value.returncode == 1
    message = str(exc.value)
    assert message.startswith("Audit chain broken at event 4: hash mismatch")
    assert "3 events before it are intact" in message


def test_gap_is_named():
    make_chain(4)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 2")
    with pytest.raises(CommandError, match="broken at event 2: gap in sequence"):
        run()


def test_expected_head():
    events = make_chain(5)
    out = run("--expected-head", events[2].hash.upper())
    assert "Expected head found at event 3." in out
    out = run("--since-head", events[4].hash)
    assert "Expected head found at event 5." in out
    with pytest.raises(CommandError) as exc:
        run("--expected-head", "a" * 64)
    assert exc.value.returncode == 2
    assert "is not in the chain" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("--expected-head", "not-a-hash")
    assert exc.value.returncode == 2


def test_exit_codes_from_the_command_line(capsys, monkeypatch):
    # run_from_argv closes the connections when it ends, which would end the test's transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    make_chain(3)
    execute_from_command_line(["manage.py", "verify_audit"])
    assert "Audit chain intact: 3 events" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "verify_audit", "--expected-head", "b" * 64])
    assert exc.value.code == 2
    with tampering():
        raw_events().filter(sequence=2).update(data={"n": 20})
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "verify_audit"])
    assert exc.value.code == 1
    assert "Audit chain broken at event 2: hash mismatch" in capsys.readouterr().err


def test_warns_when_the_trigger_is_missing():
    make_chain(1)
    err = io.StringIO()
    with tampering():
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    if err.getvalue():  # PostgreSQL: disabled trigger; SQLite: dropped trigger
        assert "trigger" in err.getvalue()
    else:
        pytest.fail("no warning about the missing trigger")
