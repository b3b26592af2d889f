"""Tampering tools: what a database administrator could do behind the application's back."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

from django.db import connection, models

from terreau.audit.models import AuditEvent
from terreau.audit.services import record_event

TRIGGERS = importlib.import_module("terreau.audit.migrations.0002_append_only_triggers")


def raw_events() -> models.QuerySet:
    """A plain queryset: no append-only guards (the trigger must be off to write through it)."""
    return models.QuerySet(AuditEvent)


@contextmanager
def tampering():
    """Switch the append-only trigger off, as the table's owner can, then back on."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
            else:
                cursor.execute(TRIGGERS.SQLITE_CREATE)


def renumber(cursor, sequence: int, new: int) -> None:
    cursor.execute("UPDATE audit_auditevent SET sequence = %s WHERE sequence = %s", [new, sequence])


def make_chain(n: int, kind: str = "test.event") -> list[AuditEvent]:
    return [record_event(kind, data={"n": i}) for i in range(1, n + 1)]
