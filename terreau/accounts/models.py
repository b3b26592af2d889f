from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

DELETED_NAME = "Participant supprimé"


class ParticipantKind(models.TextChoices):
    CITIZEN = "citizen", _("Citoyen·ne")
    ASSOCIATION = "association", _("Association")
    UNION = "union", _("Syndicat")
    COMPANY = "company", _("Entreprise")
    COLLECTIVE = "collective", _("Collectif")
    EXPERT = "expert", _("Expert·e")
    ELECTED = "elected", _("Élu·e")
    PUBLIC_AGENT = "public_agent", _("Agent public")


ORGANISATION_KINDS = frozenset(
    {ParticipantKind.ASSOCIATION, ParticipantKind.UNION, ParticipantKind.COMPANY, ParticipantKind.COLLECTIVE}
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A participant. Logs in with an email; shows a display name and a kind."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    display_name = models.CharField(_("nom affiché"), max_length=80, blank=True)
    kind = models.CharField(
        _("type de participant"), max_length=20, choices=ParticipantKind.choices, default=ParticipantKind.CITIZEN
    )
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation_verified_at = models.DateTimeField(_("organisation vérifiée le"), null=True, blank=True)
    organisation_verified_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ParticipantKind.values), name="user_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.deleted_at:
            return DELETED_NAME
        return self.display_name or str(_("Participant·e"))

    @property
    def is_organisation(self) -> bool:
        return self.kind in ORGANISATION_KINDS

    @property
    def is_verified_organisation(self) -> bool:
        return self.is_organisation and self.organisation_verified_at is not None


# --- OIDC identities ---


class OIDCIdentity(models.Model):
    """Links a participant to their stable subject (``sub``) at FranceConnect or ProConnect."""

    user = models.ForeignKey(
        User, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="oidc_identities"
    )
    provider = models.CharField(_("fournisseur d'identité"), max_length=32)
    sub = models.CharField(_("identifiant chez le fournisseur"), max_length=255)
    created_at = models.DateTimeField(_("lié le"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("dernière connexion"), null=True, blank=True)

    class Meta:
        verbose_name = _("identité OpenID Connect")
        verbose_name_plural = _("identités OpenID Connect")
        constraints = [
            models.UniqueConstraint(fields=["provider", "sub"], name="oidc_identity_provider_sub_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.sub}"
