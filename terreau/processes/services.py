"""Every write on institutions and processes goes through here, permission checked."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from terreau.audit.services import record_event
from terreau.core.images import reencode_image
from terreau.processes.models import (
    Institution,
    InstitutionAnswer,
    Membership,
    ParticipationContract,
    Phase,
    Process,
    ProcessModule,
)
from terreau.processes.modules import registry
from terreau.processes.permissions import can_edit_process, can_manage_institution, is_platform_admin, require

SCOPE_FIELDS = ("scope_region", "scope_departement", "scope_commune")


def _unique_slug(model, base: str, max_length: int, exclude_pk=None) -> str:
    root = (slugify(base) or "demarche")[: max_length - 6].strip("-")
    slug, n = root, 1
    qs = model.objects.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


def _save_with_slug(obj, base: str) -> None:
    """Save a new object with a unique slug; a concurrent twin gets the next suffix."""
    max_length = type(obj)._meta.get_field("slug").max_length
    for _attempt in range(5):
        obj.slug = _unique_slug(type(obj), base, max_length)
        try:
            with transaction.atomic():
                obj.save()
            return
        except IntegrityError:
            if not type(obj).objects.filter(slug=obj.slug).exists():
                raise
    raise IntegrityError("could not find a free slug")


# --- Institutions -----------------------------------------------------------------------


def create_institution(actor, **fields) -> Institution:
    require(is_platform_admin(actor))
    institution = Institution(**fields)
    institution.full_clean(exclude=["slug"])
    _save_with_slug(institution, fields["name"])
    return institution


def add_member(actor, institution: Institution, user, role: str) -> Membership:
    require(can_manage_institution(actor, institution))
    membership, _created = Membership.objects.get_or_create(institution=institution, user=user, role=role)
    return membership


def remove_member(actor, membership: Membership) -> None:
    require(can_manage_institution(actor, membership.institution))
    if membership.role == "admin" and membership.user_id == actor.pk and not is_platform_admin(actor):
        others = Membership.objects.filter(institution=membership.institution, role="admin").exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError(_("Une institution doit garder au moins un·e administrateur·rice."))
    membership.delete()


# --- Processes --------------------------------------------------------------------------


def _apply_image(process: Process, image) -> None:
    if image:
        clean = reencode_image(image)
        process.image.save(clean.name, clean, save=False)


def create_process(actor, institution: Institution, *, image=None, **fields) -> Process:
    require(can_manage_institution(actor, institution))
    process = Process(institution=institution, created_by=actor, status=Process.Status.DRAFT, **fields)
    _clear_unused_scope(process)
    process.full_clean(exclude=["slug", "image"])
    _apply_image(process, image)
    _save_with_slug(process, fields["title"])
    return process


def update_process(actor, process: Process, *, image=None, remove_image: bool = False, **fields) -> Process:
    require(can_edit_process(actor, process))
    for key, value in fields.items():
        setattr(process, key, value)
    _clear_unused_scope(process)
    process.full_clean(exclude=["image"])
    if remove_image:
        process.image = ""
    _apply_image(process, image)
    process.save()
    return process


def _clear_unused_scope(process: Process) -> None:
    keep = {"region": "scope_region", "departement": "scope_departement", "commune": "scope_commune"}.get(
        process.scope_level
    )
    for name in SCOPE_FIELDS:
        if name != keep:
            setattr(process, name, None)
    if keep and getattr(process, f"{keep}_id") is None:
        raise ValidationError({keep: _("Choisissez le territoire concerné.")})


def save_contract(actor, process: Process, **fields) -> ParticipationContract:
    require(can_edit_process(actor, process))
    with transaction.atomic():
        # The process row lock orders this against publish_answer(), which takes it too.
        _lock(process)
        contract = ParticipationContract.objects.filter(process=process).first() or ParticipationContract(
            process=process
        )
        if contract.pk and InstitutionAnswer.objects.filter(process=process).exists():
            raise ValidationError(_("La réponse est publiée : les engagements ne peuvent plus changer."))
        for key, value in fields.items():
            setattr(contract, key, value)
        contract.full_clean()
        contract.save()
    return contract


def _lock(process: Process) -> None:
    Process.objects.select_for_update().filter(pk=process.pk).first()


def _refuse_past_phase_change_after_answer(phase: Phase) -> None:
    """Once the answer is out, the phases that already ended are history: they stay as they were."""
    if phase.pk is None or not InstitutionAnswer.objects.filter(process_id=phase.process_id).exists():
        return
    stored = Phase.objects.filter(pk=phase.pk).values_list("end_date", flat=True).first()
    if stored is not None and stored < timezone.localdate():
        raise ValidationError(_("La réponse est publiée : les étapes terminées ne peuvent plus changer."))


def save_phase(actor, process: Process, phase: Phase | None = None, **fields) -> Phase:
    require(can_edit_process(actor, process))
    if phase is not None and phase.process_id != process.pk:
        raise ValidationError(_("Cette étape n'appartient pas à cette démarche."))
    phase = phase or Phase(process=process)
    _refuse_past_phase_change_after_answer(phase)
    for key, value in fields.items():
        setattr(phase, key, value)
    phase.full_clean()
    phase.save()
    return phase


def delete_phase(actor, phase: Phase) -> None:
    require(can_edit_process(actor, phase.process))
    _refuse_past_phase_change_after_answer(phase)
    phase.delete()


def attach_module(actor, process: Process, module: str, title: str) -> ProcessModule:
    require(can_edit_process(actor, process))
    manifest = registry.get(module)
    if manifest is None:
        raise ValidationError({"module": _("Module inconnu.")})
    attached = ProcessModule(
        process=process,
        module=module,
        title=title,
        position=process.modules.count(),
        phase_settings={},
    )
    attached.full_clean()
    try:
        with transaction.atomic():
            attached.save()
    except IntegrityError as exc:
        raise ValidationError({"title": _("Un module de cette démarche porte déjà ce titre.")}) from exc
    return attached


def update_module_settings(actor, attached: ProcessModule, settings_by_phase: dict[int, dict[str, bool]]) -> None:
    require(can_edit_process(actor, attached.process))
    manifest = registry.get(attached.module)
    allowed = {s.name for s in manifest.phase_settings} if manifest else set()
    phase_ids = set(attached.process.phases.values_list("pk", flat=True))
    clean = {
        str(phase_id): {k: bool(v) for k, v in values.items() if k in allowed}
        for phase_id, values in settings_by_phase.items()
        if phase_id in phase_ids
    }
    attached.phase_settings = clean
    attached.save(update_fields=["phase_settings"])


def detach_module(actor, attached: ProcessModule) -> None:
    require(can_edit_process(actor, attached.process))
    attached.delete()


def publication_problems(process: Process) -> list[str]:
    """What still prevents publication, in words for the staff member."""
    problems = []
    if not ParticipationContract.objects.filter(process=process).exists():
        problems.append(_("Les engagements de la démarche (contrat de participation) ne sont pas remplis."))
    if not process.phases.exists():
        problems.append(_("La démarche n'a encore aucune étape."))
    return problems


def publish_process(actor, process: Process) -> Process:
    require(can_edit_process(actor, process))
    with transaction.atomic():
        process = Process.objects.select_for_update().get(pk=process.pk)
        if process.status == Process.Status.PUBLISHED:
            return process
        problems = publication_problems(process)
        if problems:
            raise ValidationError(problems)
        process.status = Process.Status.PUBLISHED
        process.published_at = process.published_at or timezone.now()
        process.save(update_fields=["status", "published_at", "updated_at"])
        record_event(
            "process.published",
            actor=actor,
            target=process,
            data={"slug": process.slug, "institution": process.institution.slug},
        )
    return process


def archive_process(actor, process: Process) -> Process:
    require(can_edit_process(actor, process))
    if process.status == Process.Status.DRAFT:
        raise ValidationError(_("Un brouillon ne peut pas être archivé : supprimez-le ou publiez-le."))
    process.status = Process.Status.ARCHIVED
    process.save(update_fields=["status", "updated_at"])
    return process


def delete_draft(actor, process: Process) -> None:
    require(can_edit_process(actor, process))
    if process.status != Process.Status.DRAFT:
        raise ValidationError(_("Seul un brouillon peut être supprimé ; une démarche publiée s'archive."))
    process.delete()


def publish_answer(actor, process: Process, body: str, when: datetime.datetime | None = None) -> InstitutionAnswer:
    require(can_edit_process(actor, process))
    if process.status == Process.Status.DRAFT:
        raise ValidationError(_("Publiez d'abord la démarche."))
    if not ParticipationContract.objects.filter(process=process).exists():
        raise ValidationError(_("Cette démarche n'a pas d'engagements : il n'y a pas de réponse attendue."))
    if not body.strip():
        raise ValidationError({"body": _("La réponse ne peut pas être vide.")})
    answer = InstitutionAnswer(process=process, body=body, published_at=when or timezone.now(), published_by=actor)
    answer.full_clean(exclude=["process"])
    with transaction.atomic():
        _lock(process)
        try:
            with transaction.atomic():
                answer.save()
        except IntegrityError as exc:
            raise ValidationError(_("La réponse de cette démarche est déjà publiée.")) from exc
        record_event(
            "answer.published",
            actor=actor,
            target=process,
            data={
                "answer": answer.pk,
                "published_at": answer.published_at,
                "body_sha256": hashlib.sha256(answer.body.encode("utf-8")).hexdigest(),
            },
        )
    return answer
