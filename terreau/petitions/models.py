"""Petitions: a demand drafted by a participant, addressed to an institution, signed by many.

Integrity lives here: one signature per normalized email and petition (unique constraint),
states in check constraints, and the count kept by sharded counter rows (see services.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 150
DEMAND_MAX = 1_000
CONTEXT_MAX = 10_000
NAME_MAX = 100
UPDATE_MAX = 5_000
ANSWER_MAX = 50_000
REFUSAL_MAX = 2_000


class PetitionType(models.Model):
    """A kind of petition an institution receives, with its thresholds.

    At `answer_threshold` counted signatures the institution must answer within
    `answer_days`; at `escalation_threshold` its staff may open a linked consultation.
    """

    institution = models.ForeignKey(
        "processes.Institution", on_delete=models.CASCADE, related_name="petition_types", verbose_name=_("institution")
    )
    name = models.CharField(_("nom"), max_length=120)
    answer_threshold = models.PositiveIntegerField(_("seuil de réponse (signatures)"))
    answer_days = models.PositiveSmallIntegerField(_("délai de réponse (jours)"), default=90)
    escalation_threshold = models.PositiveIntegerField(_("seuil de saisine (signatures)"))

    class Meta:
        ordering = ["institution__name", "answer_threshold"]
        verbose_name = _("type de pétition")
        verbose_name_plural = _("types de pétition")
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="petitiontype_unique_name"),
            models.CheckConstraint(condition=Q(answer_threshold__gt=0), name="petitiontype_answer_threshold_pos"),
            models.CheckConstraint(condition=Q(answer_days__gt=0), name="petitiontype_answer_days_pos"),
            models.CheckConstraint(
                condition=Q(escalation_threshold__gte=models.F("answer_threshold")),
                name="petitiontype_escalation_above_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.institution}"


class PetitionStatus(models.TextChoices):
    PENDING = "pending", _("En attente de modération")
    REFUSED = "refused", _("Refusée")
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Collecte close")
    ANSWERED = "answered", _("Réponse reçue")
    ESCALATED = "escalated", _("Consultation ouverte")


PUBLIC_STATUSES = (PetitionStatus.OPEN, PetitionStatus.CLOSED, PetitionStatus.ANSWERED, PetitionStatus.ESCALATED)
# Signatures are collected in these states (while `closed_at` is unset).
SIGNABLE_STATUSES = (PetitionStatus.OPEN, PetitionStatus.ANSWERED, PetitionStatus.ESCALATED)


class Petition(models.Model):
    Status = PetitionStatus

    slug = models.SlugField(_("identifiant d'adresse"), max_length=90, unique=True)
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    demand = models.TextField(_("ce que vous demandez"), max_length=DEMAND_MAX)
    context = models.TextField(_("contexte (Markdown)"), max_length=CONTEXT_MAX, blank=True)
    context_html = models.TextField(blank=True, default="", editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("auteur·rice")
    )
    institution = models.ForeignKey(
        "processes.Institution", on_delete=models.PROTECT, related_name="petitions", verbose_name=_("destinataire")
    )
    petition_type = models.ForeignKey(
        PetitionType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    scope_level = models.CharField(_("territoire concerné"), max_length=20, default="national")
    scope_region = models.ForeignKey(
        "territories.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_departement = models.ForeignKey(
        "territories.Departement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_commune = models.ForeignKey(
        "territories.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    goal = models.PositiveIntegerField(_("objectif de signatures"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=20, choices=PetitionStatus.choices, default=PetitionStatus.PENDING)
    refusal_reason = models.TextField(_("motif du refus"), max_length=REFUSAL_MAX, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    closes_on = models.DateField(_("fin de la collecte"), null=True, blank=True)
    closed_at = models.DateTimeField(_("collecte close le"), null=True, blank=True)
    # The count last written by the reconciliation job (lists and sorting; the page sums the shards).
    signature_count = models.PositiveIntegerField(_("signatures"), default=0)
    threshold_reached_at = models.DateTimeField(_("seuil de réponse atteint le"), null=True, blank=True)
    answer_due = models.DateField(_("réponse attendue le"), null=True, blank=True)
    escalation_reached_at = models.DateTimeField(_("seuil de saisine atteint le"), null=True, blank=True)
    answer = models.TextField(_("réponse de l'institution (Markdown)"), max_length=ANSWER_MAX, blank=True)
    answer_html = models.TextField(blank=True, default="", editable=False)
    answered_at = models.DateTimeField(_("réponse publiée le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_process = models.ForeignKey(
        "processes.Process",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_petitions",
        verbose_name=_("démarche ouverte"),
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    anonymized_at = models.DateTimeField(_("données personnelles effacées le"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("pétition")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PetitionStatus.values), name="petition_status_valid"),
            models.CheckConstraint(
                condition=(
                    Q(scope_level="national", scope_region=None, scope_departement=None, scope_commune=None)
                    | Q(scope_level="region", scope_region__isnull=False, scope_departement=None, scope_commune=None)
                    | Q(
                        scope_level="departement",
                        scope_departement__isnull=False,
                        scope_region=None,
                        scope_commune=None,
                    )
                    | Q(scope_level="commune", scope_commune__isnull=False, scope_region=None, scope_departement=None)
                ),
                name="petition_scope_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="petition_refusal_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "refused"]) | Q(published_at__isnull=False),
                name="petition_published_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False), name="petition_answered_has_answer"
            ),
            models.CheckConstraint(
                condition=~Q(status="escalated") | Q(escalated_at__isnull=False), name="petition_escalated_has_date"
            ),
            models.CheckConstraint(condition=Q(goal__isnull=True) | Q(goal__gt=0), name="petition_goal_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="petition_status_pub_idx"),
            models.Index(fields=["institution", "status"], name="petition_inst_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("petitions:detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def accepts_signatures(self) -> bool:
        return self.closed_at is None and self.status in SIGNABLE_STATUSES

    @property
    def scope(self):
        return self.scope_commune or self.scope_departement or self.scope_region

    @property
    def scope_label(self) -> str:
        return str(self.scope) if self.scope else str(_("National"))


class PetitionUpdate(models.Model):
    """News from the petition's author, shown on its page."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="updates")
    body = models.TextField(_("nouvelle (Markdown)"), max_length=UPDATE_MAX)
    body_html = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("nouvelle de la pétition")

    def __str__(self) -> str:
        return f"{self.petition} — {self.created_at:%Y-%m-%d}"


class SignatureInvalidation(models.Model):
    """A bulk invalidation by staff: which filter, how many signatures, why."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="invalidations")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    criteria = models.JSONField(_("critères"), default=dict)
    reason = models.CharField(_("motif"), max_length=500)
    count = models.PositiveIntegerField(_("signatures invalidées"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invalidation de signatures")
        verbose_name_plural = _("invalidations de signatures")

    def __str__(self) -> str:
        return f"{self.petition} — {self.count}"


class Signature(models.Model):
    """One person's signature. Counted when confirmed, not suspicious and not invalidated."""

    # Indexes: each one is written by every signature, so only those a query needs, partial
    # where most rows would hold an empty value (see Meta.indexes and docs/petitions.md).
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="petition_signatures",
        db_index=False,
    )
    name = models.CharField(_("nom"), max_length=NAME_MAX)
    email = models.CharField(_("adresse e-mail"), max_length=254)
    # emails.normalize_email(email): the identity of the signer for the unique constraint.
    email_normalized = models.CharField(max_length=254)
    email_domain = models.CharField(max_length=253)
    commune = models.ForeignKey(
        "territories.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Denormalised from the commune or the postcode: signatures by département.
    departement = models.ForeignKey(
        "territories.Departement", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    abroad = models.BooleanField(_("je vis hors de France"), default=False)
    show_name = models.BooleanField(_("afficher mon nom publiquement"), default=False)
    notify_answer = models.BooleanField(_("m'informer de la réponse"), default=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # fraud.ip_range(ip) (/24 or /48), "" without an address: the cluster job groups by it in SQL.
    ip_range = models.CharField(max_length=50, blank=True, default="")
    # The country the address was allocated to (core.geoip), "" when unknown: one fraud signal.
    country = models.CharField(max_length=2, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the single-purpose random tokens sent by email (never the token itself).
    confirm_token_hash = models.CharField(max_length=64, blank=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    withdraw_token_hash = models.CharField(max_length=64, blank=True)
    # Fraud: reasons given by fraud.assess_signature() or the cluster job; not counted while set.
    suspicious = models.BooleanField(default=False)
    flags = models.JSONField(default=list, blank=True)
    invalidation = models.ForeignKey(
        SignatureInvalidation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signatures",
        db_index=False,
    )
    invalidated_at = models.DateTimeField(null=True, blank=True)
    # True iff the signature is included in the counter shards (confirmed, not suspicious,
    # not invalidated). Changed only together with a shard update, in one transaction.
    counted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signature")
        constraints = [
            models.UniqueConstraint(fields=["petition", "email_normalized"], name="signature_once_per_email"),
            models.CheckConstraint(
                condition=Q(counted=False)
                | Q(confirmed_at__isnull=False, suspicious=False, invalidated_at__isnull=True),
                name="signature_counted_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["petition", "counted", "departement"], name="signature_dept_idx"),
            models.Index(fields=["petition", "created_at"], name="signature_time_idx"),
            models.Index(fields=["petition", "suspicious"], name="signature_flag_idx"),
            # Unconfirmed signatures without a live email: the batch sender's queue and the
            # periodic retry.
            models.Index(
                fields=["id"],
                condition=Q(confirmed_at__isnull=True, confirm_token_hash=""),
                name="signature_unsent_idx",
            ),
            models.Index(
                fields=["confirm_token_hash"], condition=~Q(confirm_token_hash=""), name="signature_confirm_token_idx"
            ),
            models.Index(
                fields=["withdraw_token_hash"],
                condition=~Q(withdraw_token_hash=""),
                name="signature_withdraw_token_idx",
            ),
            # Foreign keys: what deleting a user, an invalidation or a commune looks up. The
            # petition's are served by the indexes above, which all start with it; départements
            # are never deleted.
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="signature_user_idx"),
            models.Index(fields=["invalidation"], condition=Q(invalidation__isnull=False), name="signature_inval_idx"),
            models.Index(fields=["commune"], condition=Q(commune__isnull=False), name="signature_commune_idx"),
            # The page's "latest public signers": 20 rows by index instead of sorting every
            # counted signature (724 ms → under 1 ms with 2 million signatures).
            models.Index(
                fields=["petition", "-confirmed_at", "-id"],
                condition=Q(counted=True, show_name=True),
                name="signature_public_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self.ip and not self.ip_range:
            from terreau.petitions.fraud import ip_range

            self.ip_range = ip_range(str(self.ip))
        if self.ip and not self.country:
            from terreau.core.geoip import country_of_ip

            self.country = country_of_ip(str(self.ip)) or ""
        super().save(*args, **kwargs)


class CounterShard(models.Model):
    """One of N counter rows of a petition: the count is their sum (no single hot row)."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="shards")
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["petition", "shard"], name="countershard_unique")]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.shard}"
