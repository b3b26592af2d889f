"""Writes on participants: profile, organisation verification, personal data, deletion."""

from __future__ import annotations

import json
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terreau.accounts.models import ORGANISATION_KINDS

User = get_user_model()

# Each app that stores personal data registers a function (user) -> dict for "My data".
PERSONAL_DATA_EXPORTERS: list = []


def update_profile(user, *, display_name: str, kind: str, commune) -> None:
    display_name = display_name.strip()
    if not display_name:
        raise ValidationError({"display_name": _("Indiquez un nom affiché.")})
    if kind != user.kind and user.organisation_verified_at:
        # A verified badge belongs to the kind that was checked.
        user.organisation_verified_at = None
        user.organisation_verified_by = None
    user.display_name = display_name
    user.kind = kind
    user.commune = commune
    user.full_clean(exclude=["password", "email"])
    user.save()


def verify_organisation(actor, user) -> None:
    if not (actor.is_authenticated and actor.is_staff):
        raise PermissionDenied
    if user.kind not in ORGANISATION_KINDS:
        raise ValidationError(_("Seuls les comptes d'organisation reçoivent un badge vérifié."))
    User.objects.filter(pk=user.pk).update(organisation_verified_at=timezone.now(), organisation_verified_by=actor)


def revoke_organisation(actor, user) -> None:
    if not (actor.is_authenticated and actor.is_staff):
        raise PermissionDenied
    User.objects.filter(pk=user.pk).update(organisation_verified_at=None, organisation_verified_by=None)


def export_personal_data(user) -> str:
    """Everything Terreau holds about `user`, as JSON."""
    from allauth.account.models import EmailAddress

    data = {
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "kind": user.kind,
            "commune": user.commune_id and {"code": user.commune_id, "name": user.commune.name},
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "organisation_verified_at": user.organisation_verified_at,
        },
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "memberships": [
            {"institution": m.institution.name, "role": m.role, "since": m.created_at}
            for m in user.memberships.select_related("institution")
        ],
    }
    from terreau.processes.models import InstitutionAnswer, Process

    data["processes_created"] = list(Process.objects.filter(created_by=user).values("title", "slug", "created_at"))
    data["answers_published"] = list(
        InstitutionAnswer.objects.filter(published_by=user).values("process__title", "published_at")
    )
    data["identity_providers"] = list(user.oidc_identities.values("provider", "created_at", "last_login_at"))
    for exporter in PERSONAL_DATA_EXPORTERS:
        data.update(exporter(user))
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


@transaction.atomic
def delete_account(user) -> None:
    """Erase the person, keep what they did: texts show "Participant supprimé", counts stay.

    The row stays (foreign keys from votes, signatures and contributions keep their
    tallies) but every personal field is wiped and the account can never log in again.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.memberships.all().delete()
    user.oidc_identities.all().delete()
    user.email = f"supprime-{uuid.uuid4().hex}@invalid"
    user.display_name = ""
    user.commune = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.organisation_verified_at = None
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    # The password hash changed and the account is inactive: Django's session check
    # logs out every other session of this user on their next request.
