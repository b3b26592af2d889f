"""The audit log: append-only events, each linked to the previous one by its hash.

Rows are written only by `services.record_event`. The ORM refuses to change or delete
them (save/delete/queryset guards below); the database refuses it too (triggers, see
migration 0002), except for whoever owns the table: see docs/audit.md, "Honest limits".
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event through the ORM."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("audit events are appended one by one with services.record_event()")

    def bulk_update(self, objs, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def _update(self, values):
        raise AppendOnlyError("audit events cannot be updated")


class AuditEvent(models.Model):
    # null on the three text fields below means "no actor (the system)" / "no target";
    # it is hashed as JSON null, so it must stay distinct from an empty string.
    sequence = models.PositiveBigIntegerField(_("numéro"), unique=True)
    created_at = models.DateTimeField(_("date"))
    kind = models.CharField(_("type d'événement"), max_length=100)
    actor = models.CharField(_("acteur (pseudonyme)"), max_length=32, null=True, blank=True)  # noqa: DJ001
    target_type = models.CharField(_("type de cible"), max_length=100, null=True, blank=True)  # noqa: DJ001
    target_id = models.CharField(_("identifiant de cible"), max_length=64, null=True, blank=True)  # noqa: DJ001
    data = models.JSONField(_("détails"), default=dict, blank=True)
    prev_hash = models.CharField(_("empreinte précédente"), max_length=64, unique=True)
    hash = models.CharField(_("empreinte"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("événements d'audit")
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=1), name="audit_event_sequence_positive"),
            # The genesis link belongs to event 1 and to no other (prev_hash is also unique).
            models.CheckConstraint(
                condition=Q(sequence=1, prev_hash=GENESIS_HASH) | (Q(sequence__gt=1) & ~Q(prev_hash=GENESIS_HASH)),
                name="audit_event_genesis_first",
            ),
        ]
        indexes = [
            models.Index(fields=["kind"], name="audit_event_kind"),
            models.Index(fields=["target_type", "target_id"], name="audit_event_target"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding or not getattr(self, "_appending", False):
            raise AppendOnlyError("audit events are written only by services.record_event() and never changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class ChainLock(models.Model):
    """One row that every appender locks (SELECT ... FOR UPDATE) before reading the last event.

    It holds no data: the head is the last event. Writers queue on this lock, so events get
    consecutive numbers and form one chain. (Updating a head row instead would make a
    transaction that records thousands of events slow down quadratically on PostgreSQL.)
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        verbose_name = _("verrou de la chaîne d'audit")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_chainlock_singleton")]

    def __str__(self) -> str:
        return "audit chain lock"
