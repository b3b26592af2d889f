"""A synthesis of one contribution source on one object, its themes and their members.

The engine's output is split in two: what the page shows per theme lives in `Theme` rows, and
every contribution the synthesis read is a `Member` row (its theme, campaign, territory, kind),
so that each number on the page is a count over rows the visitor can list. Campaigns, one-liners,
rare arguments, stats and the automatic themes (for id matching on the next full run) stay in
`Synthesis.data`, as the engine wrote them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

LABEL_MAX = 120
SUMMARY_MAX = 5000


class Synthesis(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")

    source = models.CharField(_("source"), max_length=100)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(_("calculée le"), null=True, blank=True)
    # The source's count() at the last full run, and contributions assigned since (incremental).
    contribution_count = models.PositiveIntegerField(default=0)
    assigned_count = models.PositiveIntegerField(default=0)
    # Engine output without units and membership (those are Theme/Member rows).
    data = models.JSONField(default=dict, blank=True)
    # terreau.synthesis.engine.ThemeModel as .npz bytes (no pickle).
    theme_model = models.BinaryField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the team changed by hand: [{"action": "rename", "theme": "T3", "at": iso}, ...]
    edit_log = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("synthèse")
        verbose_name_plural = _("synthèses")
        constraints = [
            models.UniqueConstraint(fields=["source", "content_type", "object_id"], name="synthesis_one_per_target"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(state="published", published_at__isnull=False),
                name="synthesis_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.object_id}"

    def get_absolute_url(self) -> str:
        return reverse("synthesis:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class SynthesisRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Lancé par l'équipe")
        AUTO = "auto", _("Relancé automatiquement")

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    # Progress: [{"step": "read", "at": iso}, ...] in order; the page shows them.
    steps = models.JSONField(default=list, blank=True)
    n_contributions = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("calcul de synthèse")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A double submit or an automatic re-run during a run cannot queue a second one.
            models.UniqueConstraint(
                fields=["synthesis"], condition=Q(status__in=["queued", "running"]), name="synthesis_one_active_run"
            ),
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "done", "failed"]), name="run_status"),
        ]

    def __str__(self) -> str:
        return f"{self.synthesis_id} · {self.status}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Theme(models.Model):
    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="themes")
    key = models.CharField(max_length=30)  # engine id ("T3", "T3.1") or "E1"... for staff splits
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="subthemes")
    label = models.CharField(_("intitulé"), max_length=LABEL_MAX)
    auto_label = models.CharField(max_length=LABEL_MAX, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    bigrams = models.JSONField(default=list, blank=True)
    verbatims = models.JSONField(default=list, blank=True)  # [{"contribution_id", "text"}]
    n_units = models.PositiveIntegerField(default=0)
    # Counted over Member rows (recounted after every edit).
    n_contributions = models.PositiveIntegerField(default=0)
    n_authors = models.PositiveIntegerField(default=0)
    supports = models.PositiveIntegerField(default=0)
    stance = models.JSONField(default=dict, blank=True)  # for / against / mixed / none over distinct authors
    summary = models.TextField(_("résumé éditorial"), max_length=SUMMARY_MAX, blank=True)
    summary_html = models.TextField(blank=True, editable=False)
    edited = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("thème")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["synthesis", "key"], name="theme_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} {self.label}"


class Member(models.Model):
    """One contribution the synthesis read, where it went, and what the counts need about it."""

    class AssignedBy(models.TextChoices):
        ENGINE = "engine", _("calcul complet")
        INCREMENTAL = "incremental", _("ajout incrémental")
        STAFF = "staff", _("déplacé par l'équipe")

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="members")
    contribution_id = models.CharField(max_length=64)
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    subtheme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="submembers")
    campaign = models.CharField(max_length=30, blank=True)
    one_liner = models.CharField(max_length=30, blank=True)
    # A pseudonymous key ("a:<id>" or "c:<contribution>"): counts distinct authors, never shown.
    author_key = models.CharField(max_length=80)
    author_kind = models.CharField(max_length=30, blank=True)
    departement = models.CharField(max_length=3, blank=True)
    region = models.CharField(max_length=3, blank=True)
    supports = models.PositiveIntegerField(default=0)
    stance = models.CharField(max_length=10, blank=True)
    excerpt = models.CharField(max_length=300, blank=True)
    assigned_by = models.CharField(max_length=12, choices=AssignedBy.choices, default=AssignedBy.ENGINE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("contribution lue")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["synthesis", "contribution_id"], name="member_once_per_synthesis")
        ]
        indexes = [
            models.Index(fields=["synthesis", "theme", "position"], name="member_theme_idx"),
            models.Index(fields=["synthesis", "campaign"], name="member_campaign_idx"),
        ]

    def __str__(self) -> str:
        return self.contribution_id
