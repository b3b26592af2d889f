"""The module registry: participation modules declare themselves here.

Each participation app has a `module.py` that builds a `ModuleManifest` and calls
`registry.register(manifest)`. Shared apps (the process page, the back-office, later the
API, open data and synthesis) read the registry and never import a module directly.
See docs/modules.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule


@dataclass(frozen=True)
class PhaseSetting:
    """A setting a module offers per phase (e.g. "votes open"). Booleans only for now."""

    name: str
    label: str
    default: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class ModuleManifest:
    name: str
    verbose_name: Any
    description: Any
    phase_settings: tuple[PhaseSetting, ...] = ()
    # The permission names the module's actions check, with the roles that hold them.
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Renders the module's block on the process page: (request, process_module) -> str (HTML)
    render_public: Callable[..., str] | None = None
    # (process_module) -> URL of the module's own staff page (content editing), if any
    backoffice_url: Callable[..., str] | None = None
    # Hooks for the shared services of later issues: commentable / reportable models,
    # exports, API router, synthesis sources, demo content.
    commentable_models: tuple[str, ...] = ()
    reportable_models: tuple[str, ...] = ()
    exports: dict[str, Callable[..., Any]] = field(default_factory=dict)
    api_router: str | None = None
    # terreau.synthesis.sources.ContributionSource instances
    synthesis_sources: tuple[Any, ...] = ()
    demo: Callable[..., None] | None = None

    def default_phase_settings(self) -> dict[str, bool]:
        return {s.name: s.default for s in self.phase_settings}


class ModuleRegistry:
    def __init__(self) -> None:
        self._modules: dict[str, ModuleManifest] = {}

    def register(self, manifest: ModuleManifest) -> ModuleManifest:
        if manifest.name in self._modules and self._modules[manifest.name] is not manifest:
            raise ValueError(f"Module {manifest.name!r} is already registered")
        self._modules[manifest.name] = manifest
        return manifest

    def get(self, name: str) -> ModuleManifest | None:
        return self._modules.get(name)

    def all(self) -> list[ModuleManifest]:
        return sorted(self._modules.values(), key=lambda m: m.name)

    def choices(self) -> list[tuple[str, Any]]:
        return [(m.name, m.verbose_name) for m in self.all()]

    def declared_models(self, attribute: str) -> list:
        """The models every module lists under a manifest attribute ("commentable_models"...)."""
        return [apps.get_model(label) for manifest in self.all() for label in getattr(manifest, attribute)]

    def autodiscover(self) -> None:
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "module"):
                import_module(f"{app_config.name}.module")


registry = ModuleRegistry()


@dataclass(frozen=True)
class BackofficeLink:
    """An extra tab in a process's back-office navigation, offered by a shared service app
    (the synthesis) so that the back-office never imports it."""

    name: str
    label: Any
    url: Callable[..., str]  # (process) -> URL


_backoffice_links: dict[str, BackofficeLink] = {}


def register_backoffice_link(name: str, label: Any, url: Callable[..., str]) -> BackofficeLink:
    link = BackofficeLink(name, label, url)
    _backoffice_links[name] = link
    return link


def backoffice_links() -> list[BackofficeLink]:
    return sorted(_backoffice_links.values(), key=lambda link: link.name)


# Links other shared services add to a process's public page (the published syntheses):
# (process) -> [(label, url), ...]
_public_links: dict[str, Callable[..., list[tuple[Any, str]]]] = {}


def register_public_links(name: str, links: Callable[..., list[tuple[Any, str]]]) -> None:
    _public_links[name] = links


def public_links(process) -> list[tuple[Any, str]]:
    return [link for name in sorted(_public_links) for link in _public_links[name](process)]


@dataclass(frozen=True)
class InstitutionLink:
    """A link on an institution's back-office page to screens another app offers (the
    petitions app's petition types), shown to whom `visible(user, institution)` allows."""

    name: str
    label: Any
    url: Callable[..., str]  # (institution) -> URL
    visible: Callable[..., bool]  # (user, institution) -> bool


_institution_links: dict[str, InstitutionLink] = {}


def register_institution_link(
    name: str, label: Any, url: Callable[..., str], visible: Callable[..., bool]
) -> InstitutionLink:
    link = InstitutionLink(name, label, url, visible)
    _institution_links[name] = link
    return link


def institution_links(user, institution) -> list[tuple[str, str]]:
    """(label, url) of the links other apps add to this institution's back-office page, for `user`."""
    return [
        (str(link.label), link.url(institution))
        for name, link in sorted(_institution_links.items())
        if link.visible(user, institution)
    ]
