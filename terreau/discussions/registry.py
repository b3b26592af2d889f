"""Which models accept comments.

    from terreau.discussions.registry import register_commentable

    register_commentable(Proposal)                        # defaults below
    register_commentable(Proposal, get_process=lambda p: p.consultation.attached.process,
                         is_open=lambda p: p.status == "open", label=_("proposition"))
    register_commentable(Petition, get_process=lambda p: None,       # not in a process
                         get_institution=lambda p: p.institution, ...)

or, in a module manifest, `commentable_models=("consultations.Proposal",)` (defaults only).
See docs/discussions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from terreau.moderation.registry import default_get_process


def _process_is_public(process) -> bool:
    """No process (a petition): the object's own is_public() decides alone."""
    from terreau.processes.models import Process

    return process is None or process.status != Process.Status.DRAFT


def _process_accepts(process) -> bool:
    from terreau.processes.models import Process

    return process is None or process.status == Process.Status.PUBLISHED


def _default_get_institution(get_process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get_institution(obj: Any) -> Any:
        process = get_process(obj)
        if process is None:
            raise ValueError(f"{type(obj).__name__} has no process: pass get_institution= when registering it")
        return process.institution

    return get_institution


def _nobody(user: Any, obj: Any) -> bool:
    return False


@dataclass(frozen=True)
class Commentable:
    model: type[models.Model]
    label: Any
    get_process: Callable[[Any], Any]
    get_institution: Callable[[Any], Any]
    is_moderator: Callable[[Any, Any], bool]
    is_open: Callable[[Any], bool]
    is_public: Callable[[Any], bool]
    get_url: Callable[[Any], str]
    public_objects: Callable[[], models.QuerySet] | None

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    def accepts_comments(self, obj: Any) -> bool:
        """Open for new comments: public, its process (if any) published (not archived), and is_open()."""
        process = self.get_process(obj)
        return self.is_public(obj) and _process_accepts(process) and bool(self.is_open(obj))

    def shows_comments(self, obj: Any) -> bool:
        """Its comments may be read: never on a draft process, never if the object is not public."""
        return _process_is_public(self.get_process(obj)) and bool(self.is_public(obj))


_registry: dict[str, Commentable] = {}
_manifests_synced = False


def register_commentable(
    model: type[models.Model],
    *,
    get_process: Callable[[Any], Any] | None = None,
    get_institution: Callable[[Any], Any] | None = None,
    is_moderator: Callable[[Any, Any], bool] | None = None,
    is_open: Callable[[Any], bool] | None = None,
    is_public: Callable[[Any], bool] | None = None,
    get_url: Callable[[Any], str] | None = None,
    public_objects: Callable[[], models.QuerySet] | None = None,
    label: Any = None,
) -> Commentable:
    """Declare that `model` accepts comments.

    get_process(obj) -> Process | None: the process the object belongs to (default:
        `obj.process`, or `obj.attached.process` for module content with a FK to
        ProcessModule); return None for an object outside any process (a petition).
    get_institution(obj) -> Institution: whose moderators moderate the comments, whose
        blocks apply (default: the process's institution).
    is_moderator(user, obj) -> bool: someone who moderates the comments on this object
        besides the institution's moderators (hide, restore, dismiss reports; never block),
        e.g. a petition's author (default: nobody).
    is_open(obj) -> bool: may people comment now (default: always, while the process, if
        any, is published; a draft or archived process never accepts comments whatever this
        says).
    is_public(obj) -> bool: may people read the object (default: True; comments on a
        draft process are never shown whatever this says).
    get_url(obj) -> str: the page showing the object and its comments (default:
        `obj.get_absolute_url()`).
    public_objects() -> QuerySet: the model's public objects, so that `public_comments()`
        (API, exports, feeds) leaves out comments on hidden or unpublished objects.
    label: what the object is called in the interface (default: its verbose_name).
    """
    get_process = get_process or default_get_process
    entry = Commentable(
        model=model,
        label=label or model._meta.verbose_name,
        get_process=get_process,
        get_institution=get_institution or _default_get_institution(get_process),
        is_moderator=is_moderator or _nobody,
        is_open=is_open or (lambda obj: True),
        is_public=is_public or (lambda obj: True),
        get_url=get_url or (lambda obj: obj.get_absolute_url()),
        public_objects=public_objects,
    )
    _registry[entry.key] = entry
    return entry


def _sync_manifests() -> None:
    global _manifests_synced
    if _manifests_synced:
        return
    from terreau.processes.modules import registry as module_registry

    for model in module_registry.declared_models("commentable_models"):
        if model._meta.label_lower not in _registry:
            register_commentable(model)
    _manifests_synced = True


def get_commentable(key: str | type[models.Model] | models.Model) -> Commentable | None:
    _sync_manifests()
    if not isinstance(key, str):
        key = key._meta.label_lower
    return _registry.get(key.lower())


def all_commentables() -> list[Commentable]:
    _sync_manifests()
    return list(_registry.values())
