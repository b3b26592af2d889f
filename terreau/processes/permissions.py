"""Who may do what. Services call these; views only use them to show or hide buttons."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from terreau.processes.models import Institution, Membership, Process, Role

STAFF_ROLES = frozenset({Role.ADMIN, Role.MODERATOR})


def roles_in(user, institution: Institution) -> set[str]:
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_terreau_roles", None)
    if cache is None:
        cache = {}
        for inst_id, role in Membership.objects.filter(user=user).values_list("institution_id", "role"):
            cache.setdefault(inst_id, set()).add(role)
        user._terreau_roles = cache
    return cache.get(institution.pk, set())


def is_platform_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def can_manage_institution(user, institution: Institution) -> bool:
    return is_platform_admin(user) or Role.ADMIN in roles_in(user, institution)


def can_edit_process(user, process: Process) -> bool:
    return can_manage_institution(user, process.institution)


def can_view_process(user, process: Process) -> bool:
    if process.status != Process.Status.DRAFT:
        return True
    return is_platform_admin(user) or bool(roles_in(user, process.institution))


def has_staff_role(user) -> bool:
    """Staff roles (platform staff, institution admins and moderators) require MFA."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=STAFF_ROLES).exists()


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
