"""Who moderates: an institution's admins and moderators, and platform superusers."""

from __future__ import annotations

from terreau.processes.models import Institution, Role
from terreau.processes.permissions import is_platform_admin, roles_in

MODERATION_ROLES = frozenset({Role.ADMIN, Role.MODERATOR})


def can_moderate(user, institution: Institution) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_platform_admin(user) or bool(MODERATION_ROLES & roles_in(user, institution))
