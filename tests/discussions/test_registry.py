"""A module makes its model commentable with one line in its manifest."""

from __future__ import annotations

import pytest

from terreau.discussions import queries, registry, services
from terreau.moderation import registry as moderation_registry
from terreau.processes.modules import ModuleManifest
from terreau.processes.modules import registry as modules

pytestmark = pytest.mark.django_db


@pytest.fixture
def phase_module():
    """A throwaway module declaring processes.Phase commentable (Phase has a `process` FK)."""
    manifest = ModuleManifest(
        name="test-phases", verbose_name="Test", description="", commentable_models=("processes.Phase",)
    )
    modules.register(manifest)
    registry._manifests_synced = False
    yield manifest
    modules._modules.pop("test-phases", None)
    registry._registry.pop("processes.phase", None)
    registry._manifests_synced = False


def test_process_is_registered():
    entry = registry.get_commentable("processes.process")
    assert entry is not None and str(entry.label) == "démarche"
    assert moderation_registry.get_reportable("discussions.comment") is not None


def test_manifest_declaration_is_enough(phase_module, process, citizen):
    phase = process.phases.get()
    entry = registry.get_commentable(phase)
    assert entry is not None and entry.get_process(phase) == process
    comment = services.post_comment(citizen, phase, "Sur cette étape")
    assert comment.process == process and comment.object_id == phase.pk
    assert [c.pk for c in queries.visible_comments_for(phase)] == [comment.pk]
    assert not queries.visible_comments_for(process).exists()  # per object


def test_non_commentable_objects_are_refused(institution, citizen):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.post_comment(citizen, institution, "Non")
    assert queries.thread_page(institution).threads == []


def test_reportable_models_need_the_moderatable_fields():
    from terreau.processes.models import Phase

    with pytest.raises(TypeError):
        moderation_registry.register_reportable(Phase)
