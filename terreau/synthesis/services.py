"""Every write of the synthesis app, and every permission check.

Runs: `start()` queues a full run (one active run per synthesis, enforced by the database) that
a worker executes with `execute_run()`; `assign_new()` puts contributions that arrived since the
last full run into the existing themes through the stored ThemeModel; `check_for_changes()`
re-runs syntheses whose source changed by more than the threshold. Edits (rename, merge, split,
move, summary) append to the public edit log; publishing records an audit event.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terreau.audit.services import record_event
from terreau.core.markdown import render_markdown
from terreau.processes.models import Role
from terreau.processes.permissions import is_platform_admin, roles_in
from terreau.synthesis.engine import Contribution, SynthesisParams, ThemeModel, run
from terreau.synthesis.engine import Synthesis as EngineSynthesis
from terreau.synthesis.models import LABEL_MAX, SUMMARY_MAX, Member, Synthesis, SynthesisRun, Theme
from terreau.synthesis.sources import ContributionSource, get_source

MANAGER_ROLES = frozenset({Role.ADMIN, Role.FACILITATOR})
# Automatic re-run when the source's count moved by more than max(ABS, REL x last count).
RERUN_MIN_CHANGE = 20
RERUN_RELATIVE_CHANGE = 0.2
EXCERPT = 300
# A run still queued or running after this long is taken as lost (worker stopped) and expired.
STALE_AFTER = datetime.timedelta(hours=3)
STEPS = ("queued", "read", "engine", "save", "done")

EDIT_ACTIONS = {
    "rename": gettext_lazy("renommé"),
    "merge": gettext_lazy("fusionné"),
    "split": gettext_lazy("scindé"),
    "move": gettext_lazy("contribution déplacée"),
    "summary": gettext_lazy("résumé rédigé"),
}


# --- Permissions -----------------------------------------------------------------------------


def can_manage(user, source: ContributionSource, target: Model) -> bool:
    """Admins and facilitators of the target's institution (and platform admins)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_platform_admin(user):
        return True
    institution = source.institution(target)
    return institution is not None and bool(roles_in(user, institution) & MANAGER_ROLES)


def source_of(synthesis: Synthesis) -> ContributionSource | None:
    return get_source(synthesis.source)


def target_of(synthesis: Synthesis) -> Model | None:
    model = synthesis.content_type.model_class()
    return model._default_manager.filter(pk=synthesis.object_id).first() if model else None


def can_manage_synthesis(user, synthesis: Synthesis) -> bool:
    source, target = source_of(synthesis), target_of(synthesis)
    return source is not None and target is not None and can_manage(user, source, target)


def can_view(user, synthesis: Synthesis) -> bool:
    """Published and the target public, or staff of the target's institution (drafts too)."""
    source, target = source_of(synthesis), target_of(synthesis)
    if source is None or target is None:
        return False
    if can_manage(user, source, target):
        return True
    return synthesis.is_published and bool(source.is_public(target))


def _require_manager(user, synthesis: Synthesis) -> None:
    if not can_manage_synthesis(user, synthesis):
        raise PermissionDenied


# --- Targets and runs ------------------------------------------------------------------------


def target_for(source: ContributionSource, object_id: Any) -> Model | None:
    model = apps.get_model(source.model)
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        return None
    return model._default_manager.filter(pk=pk).first()


def start(user, source_name: str, object_id: Any) -> SynthesisRun:
    """Queue a full run of `source_name` on its object `object_id` (creating the synthesis)."""
    source = get_source(str(source_name))
    target = target_for(source, object_id) if source else None
    if source is None or target is None or not source.applies_to(target):
        raise ValidationError(_("Source ou objet inconnu."))
    if not can_manage(user, source, target):
        raise PermissionDenied
    content_type = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            synthesis, _created = Synthesis.objects.get_or_create(
                source=source.name, content_type=content_type, object_id=target.pk
            )
    except IntegrityError:
        synthesis = Synthesis.objects.get(source=source.name, content_type=content_type, object_id=target.pk)
    return _queue(synthesis, user=user)


def rerun(user, synthesis: Synthesis) -> SynthesisRun:
    _require_manager(user, synthesis)
    return _queue(synthesis, user=user)


def _queue(
    synthesis: Synthesis, *, user=None, trigger: str = SynthesisRun.Trigger.MANUAL, enqueue: bool = True
) -> SynthesisRun:
    now = timezone.now().isoformat()
    _expire_stale_runs(synthesis)
    try:
        with transaction.atomic():
            run_row = SynthesisRun.objects.create(
                synthesis=synthesis,
                trigger=trigger,
                requested_by=user if user is not None and user.is_authenticated else None,
                steps=[{"step": "queued", "at": now}],
            )
    except IntegrityError:
        raise ValidationError(_("Un calcul de cette synthèse est déjà en cours.")) from None
    if enqueue:
        from terreau.synthesis.tasks import run_synthesis

        transaction.on_commit(lambda: run_synthesis.enqueue(run_row.pk))
    return run_row


def _expire_stale_runs(synthesis: Synthesis) -> None:
    """A worker killed mid-run leaves its run "running": after STALE_AFTER it no longer blocks."""
    cutoff = timezone.now() - STALE_AFTER
    SynthesisRun.objects.filter(synthesis=synthesis, status=SynthesisRun.Status.RUNNING, started_at__lt=cutoff).update(
        status=SynthesisRun.Status.FAILED, finished_at=timezone.now(), error="interrupted (worker stopped)"
    )
    SynthesisRun.objects.filter(synthesis=synthesis, status=SynthesisRun.Status.QUEUED, created_at__lt=cutoff).update(
        status=SynthesisRun.Status.FAILED, finished_at=timezone.now(), error="never started (no worker?)"
    )


def run_now(synthesis: Synthesis, user=None) -> SynthesisRun | None:
    """Queue and execute a full run in this process (demo, management commands, tests)."""
    return execute_run(_queue(synthesis, user=user, enqueue=False).pk)


def _step(run_row: SynthesisRun, step: str, **fields: Any) -> None:
    run_row.steps = [*run_row.steps, {"step": step, "at": timezone.now().isoformat()}]
    for name, value in fields.items():
        setattr(run_row, name, value)
    run_row.save(update_fields=["steps", *fields])


def execute_run(run_id: int) -> SynthesisRun | None:
    """Run a queued synthesis run (the worker calls this). Returns None if another worker has it."""
    claimed = SynthesisRun.objects.filter(pk=run_id, status=SynthesisRun.Status.QUEUED).update(
        status=SynthesisRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run_row = SynthesisRun.objects.select_related("synthesis").get(pk=run_id)
    synthesis = run_row.synthesis
    try:
        source, target = source_of(synthesis), target_of(synthesis)
        if source is None or target is None:
            raise ValueError("source or target gone")
        contributions = list(source.contributions(target))
        count = source.count(target)
        _step(run_row, "read", n_contributions=len(contributions))
        previous = _previous(synthesis)
        result = run(contributions, SynthesisParams(seed=0), previous=previous) if contributions else None
        _step(run_row, "engine")
        _apply_result(synthesis, contributions, result, count)
        _step(run_row, "save")
        _step(run_row, "done", status=SynthesisRun.Status.DONE, finished_at=timezone.now())
    except Exception as exc:  # the page shows the failure; the worker log has the traceback
        _step(run_row, "failed", status=SynthesisRun.Status.FAILED, finished_at=timezone.now(), error=str(exc)[:500])
        raise
    return run_row


def _previous(synthesis: Synthesis) -> EngineSynthesis | None:
    data = synthesis.data or {}
    if not data.get("themes"):
        return None
    return EngineSynthesis.from_dict({**data, "units": [], "contribution_themes": []})


def _clean_contribution_id(value: Any) -> str:
    return str(value)[:64]


@transaction.atomic
def _apply_result(synthesis: Synthesis, contributions: Sequence[Contribution], result, count: int) -> None:
    synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    kept = {t.key: t for t in synthesis.themes.all() if t.edited or t.summary}
    had_edits = bool(synthesis.edit_log)
    synthesis.members.all().delete()
    synthesis.themes.all().delete()
    data: dict[str, Any] = {}
    model_bytes = None
    if result is not None:
        data = result.synthesis.to_dict()
        data.pop("units", None)
        contribution_themes = data.pop("contribution_themes", [])
        buffer = io.BytesIO()
        result.model.save(buffer)
        model_bytes = buffer.getvalue()
        themes = _create_themes(synthesis, result.synthesis.themes, kept)
        _create_members(synthesis, contributions, contribution_themes, result.synthesis, themes)
        _recount(synthesis)
    synthesis.data = data
    synthesis.theme_model = model_bytes
    synthesis.computed_at = timezone.now()
    synthesis.contribution_count = count
    synthesis.assigned_count = 0
    if had_edits:
        # Merges, splits and moves do not survive a full recompute; renames and summaries do
        # where the theme id persists. Say so in the public log.
        synthesis.edit_log = [*synthesis.edit_log, {"action": "recompute", "at": timezone.now().isoformat()}]
    synthesis.save()


def _create_themes(synthesis: Synthesis, engine_themes, kept: dict[str, Theme]) -> dict[str, Theme]:
    created: dict[str, Theme] = {}
    position = 0
    for et in engine_themes:
        for sub_of, theme in [(None, et), *[(et.id, s) for s in et.subthemes]]:
            old = kept.get(theme.id)
            row = Theme.objects.create(
                synthesis=synthesis,
                key=theme.id,
                parent=created.get(sub_of) if sub_of else None,
                label=(old.label if old and old.edited else theme.label)[:LABEL_MAX] or theme.id,
                auto_label=theme.label[:LABEL_MAX],
                keywords=list(theme.keywords),
                bigrams=list(theme.bigrams),
                verbatims=[{"contribution_id": str(v.contribution_id), "text": v.text} for v in theme.verbatims],
                n_units=theme.n_units,
                summary=old.summary if old else "",
                summary_html=old.summary_html if old else "",
                edited=bool(old and old.edited),
                position=position,
            )
            created[theme.id] = row
            position += 1
    return created


def _create_members(synthesis, contributions, contribution_themes, engine, themes: dict[str, Theme]) -> None:
    main = {str(cid): tid for cid, tid in contribution_themes}
    campaign_of = {str(cid): c.id for c in engine.campaigns for cid in c.contribution_ids}
    one_liner_of = {str(cid): f"O{i}" for i, o in enumerate(engine.one_liners, 1) for cid in o.contribution_ids}
    # The engine gives each contribution's main theme; its sub-theme is the one its argument's units
    # fall in, which the units list holds for each group's representative.
    sub_of = {}
    for unit in engine.units:
        if unit.subtheme_id and str(unit.contribution_id) not in sub_of:
            sub_of[str(unit.contribution_id)] = unit.subtheme_id
    for campaign in engine.campaigns:
        for cid in campaign.contribution_ids:
            sub_of.setdefault(str(cid), sub_of.get(str(campaign.representative_id)))
    rows = []
    for position, c in enumerate(contributions):
        cid = _clean_contribution_id(c.id)
        theme = themes.get(main.get(cid) or "")
        sub = themes.get(sub_of.get(cid) or "")
        rows.append(
            Member(
                synthesis=synthesis,
                contribution_id=cid,
                theme=theme,
                subtheme=sub if sub is not None and theme is not None and sub.parent_id == theme.pk else None,
                campaign=campaign_of.get(cid, ""),
                one_liner=one_liner_of.get(cid, ""),
                **_member_fields(c),
                position=position,
            )
        )
    Member.objects.bulk_create(rows, batch_size=1000)


def _stance(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return "for" if value > 0 else "against" if value < 0 else "mixed"
    text = str(value).strip().lower()
    return {"pour": "for", "contre": "against", "mitigé": "mixed"}.get(text, text)[:10]


def _member_fields(c: Contribution) -> dict[str, Any]:
    return {
        "author_key": c.author_key[:80],
        "author_kind": (c.author_kind or "")[:30],
        "departement": (c.departement or "")[:3],
        "region": (c.region or "")[:3],
        "supports": max(int(c.supports or 0), 0),
        "stance": _stance(c.stance) if _stance(c.stance) in ("for", "against", "mixed") else "",
        "excerpt": " ".join((c.text or "").split())[:EXCERPT],
    }


def _recount(synthesis: Synthesis) -> None:
    """Theme sizes from the Member rows, so that every number is a count of listable rows."""
    stats: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "authors": set(), "supports": 0, "stance": defaultdict(set)}
    )
    for theme_id, sub_id, author, supports, stance in synthesis.members.values_list(
        "theme_id", "subtheme_id", "author_key", "supports", "stance"
    ):
        for key in (theme_id, sub_id):
            if key is None:
                continue
            s = stats[key]
            s["n"] += 1
            s["authors"].add(author)
            s["supports"] += supports
            s["stance"][stance or "none"].add(author)
    themes = list(synthesis.themes.all())
    for theme in themes:
        s = stats.get(theme.pk)
        theme.n_contributions = s["n"] if s else 0
        theme.n_authors = len(s["authors"]) if s else 0
        theme.supports = s["supports"] if s else 0
        theme.stance = {k: len(v) for k, v in s["stance"].items()} if s else {}
    Theme.objects.bulk_update(themes, ["n_contributions", "n_authors", "supports", "stance"])


# --- Incremental and automatic re-runs ---------------------------------------------------


def load_theme_model(synthesis: Synthesis) -> ThemeModel | None:
    if not synthesis.theme_model:
        return None
    return ThemeModel.load(io.BytesIO(bytes(synthesis.theme_model)))


@transaction.atomic
def assign_new(synthesis: Synthesis) -> int:
    """Put the contributions that arrived since the last run into the existing themes."""
    synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    source, target = source_of(synthesis), target_of(synthesis)
    model = load_theme_model(synthesis)
    if source is None or target is None or model is None:
        return 0
    known = set(synthesis.members.values_list("contribution_id", flat=True))
    new = [c for c in source.contributions(target) if _clean_contribution_id(c.id) not in known]
    if not new:
        return 0
    themes = {t.key: t for t in synthesis.themes.filter(parent=None)}
    start_at = (synthesis.members.aggregate(m=Max("position"))["m"] or 0) + 1
    rows = []
    for i, (c, assignment) in enumerate(zip(new, model.assign(new), strict=True)):
        rows.append(
            Member(
                synthesis=synthesis,
                contribution_id=_clean_contribution_id(c.id),
                theme=themes.get(assignment.theme_id or ""),
                assigned_by=Member.AssignedBy.INCREMENTAL,
                position=start_at + i,
                **_member_fields(c),
            )
        )
    Member.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    _recount(synthesis)
    synthesis.assigned_count += len(rows)
    synthesis.save(update_fields=["assigned_count"])
    return len(rows)


def needs_full_run(synthesis: Synthesis, count: int) -> bool:
    change = abs(count - synthesis.contribution_count)
    return change > max(RERUN_MIN_CHANGE, RERUN_RELATIVE_CHANGE * synthesis.contribution_count)


def check_for_changes(syntheses: Iterable[Synthesis] | None = None) -> dict[str, int]:
    """The periodic check: full re-run past the threshold, incremental assignment below it."""
    done = {"rerun": 0, "assigned": 0}
    for synthesis in syntheses if syntheses is not None else Synthesis.objects.exclude(computed_at=None):
        source, target = source_of(synthesis), target_of(synthesis)
        if source is None or target is None:
            continue
        count = source.count(target)
        if needs_full_run(synthesis, count):
            try:
                _queue(synthesis, trigger=SynthesisRun.Trigger.AUTO)
                done["rerun"] += 1
            except ValidationError:
                pass  # a run is already queued or running
        elif count != synthesis.contribution_count + synthesis.assigned_count:
            done["assigned"] += assign_new(synthesis)
    return done


# --- Staff edits -----------------------------------------------------------------------------


def _clean_label(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError({"label": _("Intitulé invalide.")})
    text = "".join(ch for ch in unicodedata.normalize("NFC", value) if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"label": _("Donnez un intitulé au thème.")})
    if len(text) > LABEL_MAX:
        raise ValidationError({"label": _("L'intitulé fait au plus %(n)d caractères.") % {"n": LABEL_MAX}})
    return text


def _locked(user, theme: Theme) -> tuple[Synthesis, Theme]:
    _require_manager(user, theme.synthesis)
    synthesis = Synthesis.objects.select_for_update().get(pk=theme.synthesis_id)
    try:
        theme = Theme.objects.get(pk=theme.pk, synthesis=synthesis)
    except Theme.DoesNotExist:
        raise ValidationError(_("Ce thème n'existe plus (la synthèse a été recalculée).")) from None
    return synthesis, theme


def _log(synthesis: Synthesis, action: str, **data: Any) -> None:
    synthesis.edit_log = [*synthesis.edit_log, {"action": action, "at": timezone.now().isoformat(), **data}]
    synthesis.save(update_fields=["edit_log"])


@transaction.atomic
def rename(user, theme: Theme, label: Any) -> Theme:
    synthesis, theme = _locked(user, theme)
    label = _clean_label(label)
    if label == theme.label:
        return theme
    theme.label, theme.edited = label, True
    theme.save(update_fields=["label", "edited"])
    _log(synthesis, "rename", theme=theme.key, label=label)
    return theme


@transaction.atomic
def set_summary(user, theme: Theme, text: Any) -> Theme:
    synthesis, theme = _locked(user, theme)
    if not isinstance(text, str):
        raise ValidationError({"summary": _("Résumé invalide.")})
    text = text.replace("\x00", "").strip()
    if len(text) > SUMMARY_MAX:
        raise ValidationError({"summary": _("Le résumé fait au plus %(n)d caractères.") % {"n": SUMMARY_MAX}})
    theme.summary = text
    theme.summary_html = str(render_markdown(text)) if text else ""
    theme.save(update_fields=["summary", "summary_html"])
    _log(synthesis, "summary", theme=theme.key)
    return theme


@transaction.atomic
def merge(user, theme: Theme, into: Theme) -> Theme:
    """Fold `theme` into `into` (two top-level themes of the same synthesis)."""
    synthesis, theme = _locked(user, theme)
    into = Theme.objects.filter(pk=getattr(into, "pk", None), synthesis=synthesis).first()
    if into is None or into.pk == theme.pk or into.parent_id or theme.parent_id:
        raise ValidationError({"into": _("Choisissez un autre thème principal de cette synthèse.")})
    synthesis.members.filter(theme=theme).update(theme=into, subtheme=None)
    into.n_units += theme.n_units
    into.edited = True
    into.verbatims = (into.verbatims + theme.verbatims)[:3] if len(into.verbatims) < 3 else into.verbatims
    into.save(update_fields=["n_units", "edited", "verbatims"])
    key = theme.key
    theme.delete()  # its sub-themes go with it; their members keep the merged theme
    _recount(synthesis)
    _log(synthesis, "merge", theme=key, into=into.key)
    into.refresh_from_db()
    return into


def _next_key(synthesis: Synthesis) -> str:
    used = set(synthesis.themes.values_list("key", flat=True))
    n = 1
    while f"E{n}" in used:
        n += 1
    return f"E{n}"


@transaction.atomic
def split(user, theme: Theme, contribution_ids: Sequence[Any], label: Any) -> Theme:
    """Move the chosen members of `theme` to a new theme called `label`."""
    synthesis, theme = _locked(user, theme)
    label = _clean_label(label)
    if theme.parent_id:
        raise ValidationError(_("Seul un thème principal peut être scindé."))
    ids = {_clean_contribution_id(c) for c in contribution_ids if isinstance(c, str | int)}
    chosen = synthesis.members.filter(theme=theme, contribution_id__in=ids)
    total = synthesis.members.filter(theme=theme).count()
    n = chosen.count()
    if n == 0:
        raise ValidationError({"contributions": _("Cochez les contributions à placer dans le nouveau thème.")})
    if n == total:
        raise ValidationError({"contributions": _("Laissez au moins une contribution dans le thème d'origine.")})
    new = Theme.objects.create(
        synthesis=synthesis,
        key=_next_key(synthesis),
        label=label,
        edited=True,
        position=theme.position,
    )
    chosen.update(theme=new, subtheme=None, assigned_by=Member.AssignedBy.STAFF)
    _recount(synthesis)
    _log(synthesis, "split", theme=theme.key, new=new.key, label=label)
    new.refresh_from_db()
    return new


@transaction.atomic
def split_by_subthemes(user, theme: Theme) -> list[Theme]:
    """Promote the engine's sub-themes of `theme` to themes of their own."""
    synthesis, theme = _locked(user, theme)
    subs = list(theme.subthemes.all())
    if not subs:
        raise ValidationError(_("Ce thème n'a pas de sous-thèmes."))
    for sub in subs:
        synthesis.members.filter(theme=theme, subtheme=sub).update(theme=sub, subtheme=None)
        sub.parent, sub.edited, sub.position = None, True, theme.position
        sub.save(update_fields=["parent", "edited", "position"])
    if not synthesis.members.filter(theme=theme).exists():
        theme.delete()
    else:
        theme.edited = True
        theme.save(update_fields=["edited"])
    _recount(synthesis)
    _log(synthesis, "split", theme=theme.key, new=",".join(s.key for s in subs))
    return list(Theme.objects.filter(pk__in=[s.pk for s in subs]))


@transaction.atomic
def move(user, synthesis: Synthesis, contribution_id: Any, theme: Theme | None) -> Member:
    """Put one contribution in another top-level theme (or in none)."""
    _require_manager(user, synthesis)
    synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    member = synthesis.members.filter(contribution_id=_clean_contribution_id(contribution_id)).first()
    if member is None:
        raise ValidationError({"contribution": _("Cette contribution n'est pas dans la synthèse.")})
    if theme is not None and (theme.synthesis_id != synthesis.pk or theme.parent_id):
        raise ValidationError({"theme": _("Choisissez un thème principal de cette synthèse.")})
    if member.theme_id == getattr(theme, "pk", None):
        return member
    source = member.theme.key if member.theme else None
    member.theme, member.subtheme, member.assigned_by = theme, None, Member.AssignedBy.STAFF
    member.save(update_fields=["theme", "subtheme", "assigned_by"])
    _recount(synthesis)
    _log(synthesis, "move", theme=source, into=theme.key if theme else None)
    return member


@transaction.atomic
def publish(user, synthesis: Synthesis) -> Synthesis:
    _require_manager(user, synthesis)
    synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    if synthesis.is_published:
        raise ValidationError(_("Cette synthèse est déjà publiée."))
    if synthesis.computed_at is None:
        raise ValidationError(_("Lancez d'abord le calcul de la synthèse."))
    synthesis.state = Synthesis.State.PUBLISHED
    synthesis.published_at = timezone.now()
    synthesis.published_by = user
    synthesis.save(update_fields=["state", "published_at", "published_by"])
    record_event(
        "synthesis.published",
        actor=user,
        target=synthesis,
        data={
            "source": synthesis.source,
            "themes": synthesis.themes.filter(parent=None).count(),
            "contributions": synthesis.members.count(),
            "edits": edit_summary(synthesis),
        },
    )
    return synthesis


def edit_summary(synthesis: Synthesis) -> dict[str, int]:
    """How many edits of each kind the team made since the last full run."""
    counts: dict[str, int] = {}
    for entry in synthesis.edit_log:
        if entry.get("action") == "recompute":
            counts = {}
        elif entry.get("action") in EDIT_ACTIONS:
            counts[entry["action"]] = counts.get(entry["action"], 0) + 1
    return counts
