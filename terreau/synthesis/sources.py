"""Contribution sources: what a synthesis can be run on.

A feature app offers its contributions to the synthesis by describing a source:
which kind of object a synthesis is attached to (a consultation's ProcessModule, a
petition...), how to read its contributions as engine `Contribution`s, and who manages
it. Process modules list their sources in their manifest (`synthesis_sources`); apps
that are not process modules (petitions) call `register_source()` from their
AppConfig.ready(). The synthesis app reads `all_sources()` and never imports a feature app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model


def _always(target: Model) -> bool:
    return True


@dataclass(frozen=True)
class ContributionSource:
    # Unique and stable: stored with every synthesis ("consultations.contributions").
    name: str
    label: Any
    # The model a synthesis of this source is attached to, as "app_label.ModelName".
    model: str
    # (target) -> the contributions, as terreau.synthesis.engine.Contribution (visible ones only).
    contributions: Callable[[Model], Iterable[Any]]
    # (target) -> how many contributions the source holds now (drives automatic re-runs).
    count: Callable[[Model], int]
    # (target, contribution id) -> public URL of that contribution.
    contribution_url: Callable[[Model, str], str]
    # (target) -> the Institution whose staff run, edit and publish the synthesis.
    institution: Callable[[Model], Any]
    # (target) -> title shown on the synthesis page.
    title: Callable[[Model], str] = str
    # (target) -> whether the public may see the target (and so a published synthesis of it).
    is_public: Callable[[Model], bool] = _always
    # (target) -> whether this source applies to that object (e.g. the module is a consultation).
    applies_to: Callable[[Model], bool] = _always
    # (target) -> the target's public page, linked from the synthesis page (None: no link).
    target_url: Callable[[Model], str] | None = None


_standalone: dict[str, ContributionSource] = {}


def register_source(source: ContributionSource) -> ContributionSource:
    existing = _standalone.get(source.name)
    if existing is not None and existing is not source:
        raise ValueError(f"Contribution source {source.name!r} is already registered")
    _standalone[source.name] = source
    return source


def all_sources() -> list[ContributionSource]:
    from terreau.processes.modules import registry

    found = dict(_standalone)
    for manifest in registry.all():
        for source in manifest.synthesis_sources:
            found[source.name] = source
    return sorted(found.values(), key=lambda s: s.name)


def get_source(name: str) -> ContributionSource | None:
    return next((s for s in all_sources() if s.name == name), None)
