"""Reports, decisions (the public moderation log), blocks, and the Moderatable base.

A model that can be hidden by moderation inherits `Moderatable` (status, reason, note,
who and when) and registers itself as reportable (see registry.py and docs/discussions.md).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REPORT_DETAILS_MAX = 1000
HIDDEN_NOTE_MAX = 300


class Reason(models.TextChoices):
    """Why something is reported, and the public reason given when it is hidden."""

    SPAM = "spam", _("Spam ou publicité")
    HARASSMENT = "harassment", _("Insulte ou harcèlement")
    HATE = "hate", _("Propos haineux ou discriminatoires")
    PERSONAL_DATA = "personal_data", _("Données personnelles")
    OFF_TOPIC = "off_topic", _("Hors sujet")
    OTHER = "other", _("Autre")


class Visibility(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HIDDEN = "hidden", _("Masqué")


class ModeratableQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(status=Visibility.VISIBLE)

    def hidden(self):
        return self.filter(status=Visibility.HIDDEN)


class Moderatable(models.Model):
    """Fields every hideable object carries. Hidden objects stay in the database (counts,
    threads and the author's personal data export keep them) but their text is never shown."""

    status = models.CharField(_("état"), max_length=10, choices=Visibility.choices, default=Visibility.VISIBLE)
    hidden_reason = models.CharField(_("motif du masquage"), max_length=20, choices=Reason.choices, blank=True)
    hidden_note = models.CharField(_("précision publique"), max_length=HIDDEN_NOTE_MAX, blank=True)
    hidden_at = models.DateTimeField(_("masqué le"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ModeratableQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(status=Visibility.VISIBLE, hidden_at__isnull=True, hidden_reason="")
                | (Q(status=Visibility.HIDDEN, hidden_at__isnull=False) & Q(hidden_reason__in=Reason.values)),
                name="%(app_label)s_%(class)s_hidden_consistent",
            ),
        ]

    @property
    def is_hidden(self) -> bool:
        return self.status == Visibility.HIDDEN


class ReportStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    UPHELD = "upheld", _("Contenu masqué")
    DISMISSED = "dismissed", _("Rejeté")


class Report(models.Model):
    """One participant's report of one object. One per participant and object (database)."""

    Status = ReportStatus

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    institution = models.ForeignKey(
        "processes.Institution", on_delete=models.CASCADE, related_name="moderation_reports"
    )
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports_made")
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("précisions"), max_length=REPORT_DETAILS_MAX, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("signalement")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "content_type", "object_id"], name="report_one_per_reporter"),
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="report_reason_valid"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
        ]
        indexes = [
            models.Index(fields=["institution", "status", "content_type", "object_id"], name="report_queue_idx"),
            models.Index(fields=["content_type", "object_id", "status"], name="report_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.content_type_id}:{self.object_id})"


class DecisionAction(models.TextChoices):
    HIDDEN = "hidden", _("Contenu masqué")
    RESTORED = "restored", _("Contenu rétabli")
    DISMISSED = "dismissed", _("Signalements rejetés")
    BLOCKED = "blocked", _("Participant·e bloqué·e")
    UNBLOCKED = "unblocked", _("Participant·e débloqué·e")


class Decision(models.Model):
    """A moderation decision. Its date, institution, action and reason are public (the
    moderation log); the object, the people and the note are for staff only."""

    Action = DecisionAction

    institution = models.ForeignKey("processes.Institution", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("décision"), max_length=12, choices=DecisionAction.choices)
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note interne"), blank=True)
    reports_count = models.PositiveIntegerField(_("signalements traités"), default=0)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("décision de modération")
        verbose_name_plural = _("décisions de modération")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=DecisionAction.values), name="decision_action_valid"),
            models.CheckConstraint(condition=Q(reason="") | Q(reason__in=Reason.values), name="decision_reason_valid"),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="decision_log_idx"),
            models.Index(fields=["institution", "action", "created_at"], name="decision_counts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} — {self.created_at:%Y-%m-%d}"


class Block(models.Model):
    """A participant may no longer contribute to one institution's processes."""

    institution = models.ForeignKey("processes.Institution", on_delete=models.CASCADE, related_name="blocks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="moderation_blocks")
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("note interne"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("bloqué le"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(_("débloqué le"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("blocage")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "user"], condition=Q(lifted_at__isnull=True), name="block_one_active"
            ),
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="block_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.institution}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
