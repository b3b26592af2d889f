"""Which models participants can report and moderators can hide.

A reportable model inherits `terreau.moderation.models.Moderatable` and is registered
once, either by listing it in its module manifest (`reportable_models=("app.Model",)`) or
by calling `register_reportable(Model, ...)` from its AppConfig.ready(). See
docs/discussions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.text import Truncator


def default_get_process(obj: Any):
    """`obj.process`, or `obj.attached.process` for module content (FK to ProcessModule)."""
    process = getattr(obj, "process", None)
    if process is None and getattr(obj, "attached", None) is not None:
        process = obj.attached.process
    if process is None:
        raise ValueError(f"{type(obj).__name__} has no process: pass get_process= when registering it")
    return process


def _default_author(obj: Any):
    return getattr(obj, "author", None)


def _default_excerpt(obj: Any) -> str:
    text = getattr(obj, "body", None) or str(obj)
    return Truncator(text).chars(1000)


def _default_url(obj: Any) -> str:
    return obj.get_absolute_url()


def _default_place(get_process: Callable[[Any], Any]) -> Callable[[Any], str]:
    def place(obj: Any) -> str:
        from django.utils.translation import gettext

        process = get_process(obj)
        return gettext("Démarche : %(title)s") % {"title": process.title} if process is not None else ""

    return place


def _default_for_institution(queryset: models.QuerySet, institution: Any) -> models.QuerySet:
    names = {f.name for f in queryset.model._meta.get_fields()}
    if "process" in names:
        return queryset.filter(process__institution=institution)
    if "attached" in names:
        return queryset.filter(attached__process__institution=institution)
    raise ValueError(f"{queryset.model.__name__}: pass for_institution= when registering it")


def _nobody(user: Any, obj: Any) -> bool:
    return False


def _default_is_public(obj: Any) -> bool:
    from terreau.processes.models import Process

    return default_get_process(obj).status != Process.Status.DRAFT


@dataclass(frozen=True)
class Reportable:
    model: type[models.Model]
    label: Any
    get_process: Callable[[Any], Any]
    get_institution: Callable[[Any], Any]
    is_moderator: Callable[[Any, Any], bool]
    get_place: Callable[[Any], str]
    get_author: Callable[[Any], Any]
    get_url: Callable[[Any], str]
    excerpt: Callable[[Any], str]
    is_public: Callable[[Any], bool]
    for_institution: Callable[[models.QuerySet, Any], models.QuerySet]

    @property
    def key(self) -> str:
        return model_key(self.model)


def model_key(model: type[models.Model] | models.Model) -> str:
    """ "app_label.model_name", as used in URLs ("discussions.comment")."""
    return model._meta.label_lower


_registry: dict[str, Reportable] = {}
_manifests_synced = False


def register_reportable(
    model: type[models.Model],
    *,
    label: Any = None,
    get_process: Callable[[Any], Any] | None = None,
    get_institution: Callable[[Any], Any] | None = None,
    is_moderator: Callable[[Any, Any], bool] | None = None,
    get_place: Callable[[Any], str] | None = None,
    get_author: Callable[[Any], Any] | None = None,
    get_url: Callable[[Any], str] | None = None,
    excerpt: Callable[[Any], str] | None = None,
    is_public: Callable[[Any], bool] | None = None,
    for_institution: Callable[[models.QuerySet, Any], models.QuerySet] | None = None,
) -> Reportable:
    """Declare `model` reportable. Defaults: `obj.process` (or `obj.attached.process`),
    `obj.author`, `obj.get_absolute_url()`, `obj.body` as the excerpt moderators read,
    public unless its process is a draft, and a queryset filtered on `process__institution`
    (or `attached__process__institution`) for an institution's moderation pages.

    get_institution(obj): whose moderators decide (default: the process's institution).
    is_moderator(user, obj): who else may hide, restore and dismiss reports on this
        object (never block: blocks are the institution's); default nobody.
    get_place(obj): where the object lives, for moderators ("Démarche : <title>")."""
    from terreau.moderation.models import Moderatable

    if not issubclass(model, Moderatable):
        raise TypeError(f"{model.__name__} must inherit terreau.moderation.models.Moderatable to be reportable")
    get_process = get_process or default_get_process
    entry = Reportable(
        model=model,
        label=label or model._meta.verbose_name,
        get_process=get_process,
        get_institution=get_institution or (lambda obj: get_process(obj).institution),
        is_moderator=is_moderator or _nobody,
        get_place=get_place or _default_place(get_process),
        get_author=get_author or _default_author,
        get_url=get_url or _default_url,
        excerpt=excerpt or _default_excerpt,
        is_public=is_public or _default_is_public,
        for_institution=for_institution or _default_for_institution,
    )
    _registry[entry.key] = entry
    return entry


def _sync_manifests() -> None:
    """Register the models that module manifests list in `reportable_models` (once)."""
    global _manifests_synced
    if _manifests_synced:
        return
    from terreau.processes.modules import registry as module_registry

    for model in module_registry.declared_models("reportable_models"):
        if model._meta.label_lower not in _registry:
            register_reportable(model)
    _manifests_synced = True


def get_reportable(key: str | type[models.Model] | models.Model) -> Reportable | None:
    _sync_manifests()
    if not isinstance(key, str):
        key = model_key(key)
    return _registry.get(key.lower())


def all_reportables() -> list[Reportable]:
    _sync_manifests()
    return list(_registry.values())


_visibility_hooks: dict[str, Callable[[Any], None]] = {}


def on_visibility_change(model: type[models.Model], callback: Callable[[Any], None]) -> None:
    """Call `callback(obj)` inside the transaction that hides or restores an object of `model`
    (a module keeping counters of visible objects exact, for instance)."""
    _visibility_hooks[model_key(model)] = callback


def visibility_hook(obj: Any) -> Callable[[Any], None] | None:
    return _visibility_hooks.get(model_key(obj))
