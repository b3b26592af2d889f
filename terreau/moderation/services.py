"""Every moderation write: reports, hiding, restoring, dismissing, blocking.

Each decision checks the actor's role in the object's institution, runs in one
transaction, writes a public `Decision` row and an audit event (record_event).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terreau.audit.services import record_event
from terreau.core import ratelimit
from terreau.moderation.models import (
    HIDDEN_NOTE_MAX,
    REPORT_DETAILS_MAX,
    Block,
    Decision,
    DecisionAction,
    Reason,
    Report,
    ReportStatus,
    Visibility,
)
from terreau.moderation.permissions import can_moderate
from terreau.moderation.registry import Reportable, get_reportable, visibility_hook
from terreau.processes.models import Institution, Membership
from terreau.processes.permissions import require

# Reports a participant may file: (count, seconds). Override in settings.
REPORT_RATE_LIMIT = (20, 600)


def _reportable(obj: Any) -> Reportable:
    reportable = get_reportable(obj)
    if reportable is None:
        raise PermissionDenied
    return reportable


def institution_of(obj: Any) -> Institution:
    return _reportable(obj).get_institution(obj)


def may_decide(user, obj: Any, institution: Institution | None = None) -> bool:
    """May `user` hide, restore or dismiss reports on `obj`: a moderator of its institution,
    or someone its registration names (a petition's author for the comments on it)."""
    institution = institution or institution_of(obj)
    if can_moderate(user, institution):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(_reportable(obj).is_moderator(user, obj))


def _clean_reason(reason: str) -> str:
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Choisissez un motif dans la liste.")})
    return reason


def _clean_text(value: str, max_length: int, field: str) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise ValidationError(
            {field: _("%(max)s caractères au plus (vous en avez écrit %(n)s).") % {"max": max_length, "n": len(value)}}
        )
    if "\x00" in value:
        raise ValidationError({field: _("Caractère non autorisé.")})
    return value


# --- Reports ---------------------------------------------------------------------------------


def report(reporter, obj: Any, *, reason: str, details: str = "") -> Report:
    """A participant reports an object. One report per participant and object."""
    require(getattr(reporter, "is_authenticated", False) and reporter.is_active)
    reportable = _reportable(obj)
    require(reportable.is_public(obj))
    reason = _clean_reason(reason)
    details = _clean_text(details, REPORT_DETAILS_MAX, "details")
    author = reportable.get_author(obj)
    if author is not None and author.pk == reporter.pk:
        raise ValidationError(_("Vous ne pouvez pas signaler votre propre contribution."))
    if obj.status == Visibility.HIDDEN:
        raise ValidationError(_("Ce contenu a déjà été masqué par la modération."))
    content_type = ContentType.objects.get_for_model(obj)
    if Report.objects.filter(reporter=reporter, content_type=content_type, object_id=obj.pk).exists():
        raise ValidationError(_("Vous avez déjà signalé ce contenu : la modération l'examinera."))
    count, period = getattr(settings, "TERREAU_REPORT_RATE_LIMIT", REPORT_RATE_LIMIT)
    if not ratelimit.hit(f"user:{reporter.pk}", "report", count, period):
        raise ValidationError(_("Vous avez envoyé beaucoup de signalements : réessayez dans quelques minutes."))
    try:
        with transaction.atomic():
            return Report.objects.create(
                content_type=content_type,
                object_id=obj.pk,
                institution=reportable.get_institution(obj),
                reporter=reporter,
                reason=reason,
                details=details,
            )
    except IntegrityError as exc:  # a concurrent twin of this report
        raise ValidationError(_("Vous avez déjà signalé ce contenu : la modération l'examinera.")) from exc


# --- Decisions on an object ------------------------------------------------------------------


def _locked(obj: Any) -> Any:
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def _resolve_reports(obj: Any, actor, status: str) -> int:
    content_type = ContentType.objects.get_for_model(obj)
    return Report.objects.filter(content_type=content_type, object_id=obj.pk, status=ReportStatus.OPEN).update(
        status=status, resolved_at=timezone.now(), resolved_by=actor
    )


def _decide(actor, institution: Institution, action: str, obj: Any = None, **fields) -> Decision:
    return Decision.objects.create(
        institution=institution,
        action=action,
        actor=actor,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        **fields,
    )


def _visibility_changed(obj: Any) -> None:
    hook = visibility_hook(obj)
    if hook is not None:
        hook(obj)


def hide(actor, obj: Any, *, reason: str, note: str = "") -> Any:
    """Hide an object with a public reason (and an optional public note); close its reports."""
    institution = institution_of(obj)
    require(may_decide(actor, obj, institution))
    reason = _clean_reason(reason)
    note = _clean_text(note, HIDDEN_NOTE_MAX, "note")
    with transaction.atomic():
        obj = _locked(obj)
        if obj.status == Visibility.HIDDEN:
            raise ValidationError(_("Ce contenu est déjà masqué."))
        obj.status = Visibility.HIDDEN
        obj.hidden_reason = reason
        obj.hidden_note = note
        obj.hidden_at = timezone.now()
        obj.hidden_by = actor
        obj.save(update_fields=["status", "hidden_reason", "hidden_note", "hidden_at", "hidden_by"])
        _visibility_changed(obj)
        resolved = _resolve_reports(obj, actor, ReportStatus.UPHELD)
        _decide(actor, institution, DecisionAction.HIDDEN, obj, reason=reason, note=note, reports_count=resolved)
        record_event(
            "moderation.hidden",
            actor=actor,
            target=obj,
            data={"institution": institution.slug, "reason": reason, "reports": resolved},
        )
    return obj


def restore(actor, obj: Any, *, note: str = "") -> Any:
    """Show a hidden object again."""
    institution = institution_of(obj)
    require(may_decide(actor, obj, institution))
    note = _clean_text(note, 1000, "note")
    with transaction.atomic():
        obj = _locked(obj)
        if obj.status != Visibility.HIDDEN:
            raise ValidationError(_("Ce contenu n'est pas masqué."))
        previous = obj.hidden_reason
        obj.status = Visibility.VISIBLE
        obj.hidden_reason = ""
        obj.hidden_note = ""
        obj.hidden_at = None
        obj.hidden_by = None
        obj.save(update_fields=["status", "hidden_reason", "hidden_note", "hidden_at", "hidden_by"])
        _visibility_changed(obj)
        _decide(actor, institution, DecisionAction.RESTORED, obj, reason=previous, note=note)
        record_event(
            "moderation.restored",
            actor=actor,
            target=obj,
            data={"institution": institution.slug, "previous_reason": previous},
        )
    return obj


def dismiss(actor, obj: Any, *, note: str = "") -> int:
    """Close the open reports of an object without hiding it. Returns how many."""
    institution = institution_of(obj)
    require(may_decide(actor, obj, institution))
    note = _clean_text(note, 1000, "note")
    with transaction.atomic():
        obj = _locked(obj)
        resolved = _resolve_reports(obj, actor, ReportStatus.DISMISSED)
        if not resolved:
            raise ValidationError(_("Aucun signalement à traiter sur ce contenu."))
        _decide(actor, institution, DecisionAction.DISMISSED, obj, note=note, reports_count=resolved)
        record_event(
            "moderation.dismissed",
            actor=actor,
            target=obj,
            data={"institution": institution.slug, "reports": resolved},
        )
    return resolved


# --- Blocks ----------------------------------------------------------------------------------


def block(actor, institution: Institution, user, *, reason: str, note: str = "") -> Block:
    """Stop `user` from contributing to this institution's processes."""
    require(can_moderate(actor, institution))
    reason = _clean_reason(reason)
    note = _clean_text(note, 1000, "note")
    if user.pk == actor.pk:
        raise ValidationError(_("Vous ne pouvez pas vous bloquer vous-même."))
    if Membership.objects.filter(institution=institution, user=user).exists():
        raise ValidationError(_("Cette personne est membre de l'institution : retirez d'abord son rôle."))
    try:
        with transaction.atomic():
            blocked = Block.objects.create(
                institution=institution, user=user, reason=reason, note=note, created_by=actor
            )
            _decide(actor, institution, DecisionAction.BLOCKED, reason=reason, subject=user, note=note)
            record_event(
                "moderation.blocked",
                actor=actor,
                target=blocked,
                data={"institution": institution.slug, "reason": reason},
            )
    except IntegrityError as exc:
        raise ValidationError(_("Cette personne est déjà bloquée pour cette institution.")) from exc
    return blocked


def unblock(actor, blocked: Block, *, note: str = "") -> Block:
    require(can_moderate(actor, blocked.institution))
    note = _clean_text(note, 1000, "note")
    with transaction.atomic():
        blocked = Block.objects.select_for_update().select_related("institution").get(pk=blocked.pk)
        if blocked.lifted_at is not None:
            raise ValidationError(_("Ce blocage est déjà levé."))
        blocked.lifted_at = timezone.now()
        blocked.lifted_by = actor
        blocked.save(update_fields=["lifted_at", "lifted_by"])
        _decide(actor, blocked.institution, DecisionAction.UNBLOCKED, subject=blocked.user, note=note)
        record_event(
            "moderation.unblocked",
            actor=actor,
            target=blocked,
            data={"institution": blocked.institution.slug},
        )
    return blocked
