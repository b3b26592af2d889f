"""The audit log's write API. Other apps call record_event(); nothing else writes events."""

from __future__ import annotations

from typing import Any


def record_event(kind: str, *, actor=None, target=None, data: dict[str, Any] | None = None):
    """Append an event to the hash-chained log (inside the caller's transaction).

    kind: a dotted name ("answer.published", "moderation.hidden", "vote.cast"...)
    actor: the user who acted (stored pseudonymously), or None for the system
    target: the model instance concerned, or None
    data: JSON-serialisable details, without personal data
    """
    return None  # replaced by the audit implementation
