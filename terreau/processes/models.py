import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministère")
    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    COMMUNE = "commune", _("Commune")
    INTERCOMMUNALITY = "intercommunality", _("Intercommunalité")
    PARK = "park", _("Parc naturel")
    OTHER = "other", _("Autre")


class Institution(models.Model):
    Kind = InstitutionKind

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'adresse"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("présentation"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    region = models.ForeignKey("territories.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    departement = models.ForeignKey(
        "territories.Departement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "territories.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InstitutionKind.values), name="institution_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur·rice")
    MODERATOR = "moderator", _("Modérateur·rice")
    FACILITATOR = "facilitator", _("Facilitateur·rice")
    REVIEWER = "reviewer", _("Relecteur·rice")


class Membership(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        constraints = [
            models.UniqueConstraint(fields=["institution", "user", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.institution})"


class ScopeLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    COMMUNE = "commune", _("Commune")


class ProcessStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publiée")
    ARCHIVED = "archived", _("Archivée")


class Process(models.Model):
    Status = ProcessStatus

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="processes")
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant d'adresse"), max_length=90, unique=True)
    summary = models.CharField(_("résumé"), max_length=500)
    body = models.TextField(_("présentation détaillée (Markdown)"), blank=True)
    image = models.ImageField(_("image"), upload_to="processes/%Y/", blank=True)
    image_alt = models.CharField(_("description de l'image"), max_length=200, blank=True)
    scope_level = models.CharField(
        _("territoire concerné"), max_length=20, choices=ScopeLevel.choices, default=ScopeLevel.NATIONAL
    )
    scope_region = models.ForeignKey(
        "territories.Region",
        verbose_name=_("région"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_departement = models.ForeignKey(
        "territories.Departement",
        verbose_name=_("département"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("état"), max_length=20, choices=ProcessStatus.choices, default=ProcessStatus.DRAFT)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("démarche participative")
        verbose_name_plural = _("démarches participatives")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProcessStatus.values), name="process_status_valid"),
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
                name="process_scope_consistent",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="process_published_has_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ProcessStatus.PUBLISHED

    @property
    def scope(self):
        return self.scope_commune or self.scope_departement or self.scope_region

    @property
    def scope_label(self) -> str:
        return str(self.scope) if self.scope else str(ScopeLevel.NATIONAL.label)

    def current_phase(self, today: datetime.date | None = None) -> "Phase | None":
        today = today or timezone.localdate()
        for phase in self.phases.all():
            if phase.start_date <= today <= phase.end_date:
                return phase
        return None


class PhaseKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    CONTRIBUTION = "contribution", _("Contribution")
    VOTE = "vote", _("Vote")
    SYNTHESIS = "synthesis", _("Synthèse")
    ANSWER = "answer", _("Réponse")
    FOLLOW_UP = "follow_up", _("Suivi")


class Phase(models.Model):
    Kind = PhaseKind

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("type d'étape"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("étape")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="phase_dates_ordered"),
            models.CheckConstraint(condition=Q(kind__in=PhaseKind.values), name="phase_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    def state(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if today < self.start_date:
            return "upcoming"
        if today > self.end_date:
            return "past"
        return "current"


class ParticipationContract(models.Model):
    """What the institution commits to before asking anyone to participate."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="contract")
    objective = models.TextField(_("objectif de la démarche"))
    decision_maker = models.TextField(_("qui décide"))
    open_to_change = models.TextField(_("ce qui peut changer grâce à vos contributions"))
    not_open = models.TextField(_("ce qui n'est pas en discussion"))
    use_of_contributions = models.TextField(_("comment les contributions seront utilisées"))
    answer_due = models.DateField(_("date limite de la réponse de l'institution"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("engagements de la démarche")
        verbose_name_plural = _("engagements des démarches")

    def __str__(self) -> str:
        return str(self.process)


class InstitutionAnswer(models.Model):
    """The institution's published answer: what it did with the contributions."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="answer")
    body = models.TextField(_("réponse (Markdown)"))
    published_at = models.DateTimeField(_("publiée le"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("réponse de l'institution")
        verbose_name_plural = _("réponses des institutions")

    def __str__(self) -> str:
        return str(self.process)


class ProcessModule(models.Model):
    """A participation module (declared in the module registry) attached to a process."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="modules")
    module = models.CharField(_("module"), max_length=50)
    title = models.CharField(_("titre"), max_length=150)
    position = models.PositiveSmallIntegerField(default=0)
    phase_settings = models.JSONField(_("réglages par étape"), default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("module")
        constraints = [
            models.UniqueConstraint(fields=["process", "title"], name="processmodule_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def setting_for(self, phase: Phase | None, name: str) -> bool:
        """This module's value of a per-phase setting (the manifest's default if unset)."""
        from terreau.processes.modules import registry

        manifest = registry.get(self.module)
        default = manifest.default_phase_settings().get(name, False) if manifest else False
        if phase is None:
            return False
        return bool(self.phase_settings.get(str(phase.pk), {}).get(name, default))

    def current_setting(self, name: str) -> bool:
        """The setting in the process's current phase; False between phases."""
        return self.setting_for(self.process.current_phase(), name)

    @property
    def backoffice_url(self) -> str | None:
        from terreau.processes.modules import registry

        manifest = registry.get(self.module)
        return manifest.backoffice_url(self) if manifest and manifest.backoffice_url else None
