"""Public data in every state the API and the open data exports show (and one draft)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from terreau.processes.models import Institution, Process
from tests.conftest import make_process

XSS = '<script>alert(1)</script><svg onload=alert(2)>"><img src=x onerror=alert(3)>'


@dataclass
class PublicData:
    institution: Institution
    other: Institution
    open: Process
    archived: Process
    late: Process
    regional: Process
    communal: Process
    draft: Process


@pytest.fixture
def public_data(institution, other_institution) -> PublicData:
    open_process = make_process(institution, slug="ouverte", title="Démarche ouverte")
    archived = make_process(
        institution,
        slug="archivee",
        status="archived",
        phase_offsets=(-60, -30),
        due_in_days=-5,
        answered_days_ago=2,
        title="Démarche archivée",
    )
    late = make_process(other_institution, slug="en-retard", due_in_days=-3, phase_offsets=(-40, -10))
    regional = make_process(other_institution, slug="regionale", title="Démarche régionale")
    Process.objects.filter(pk=regional.pk).update(scope_level="region", scope_region_id="84")
    communal = make_process(institution, slug="communale", title="Démarche lyonnaise", answered_days_ago=1)
    Process.objects.filter(pk=communal.pk).update(scope_level="commune", scope_commune_id="69123")
    draft = make_process(institution, slug="brouillon", status="draft", title="Brouillon secret")
    return PublicData(
        institution=institution,
        other=other_institution,
        open=open_process,
        archived=archived,
        late=late,
        regional=Process.objects.get(pk=regional.pk),
        communal=Process.objects.get(pk=communal.pk),
        draft=draft,
    )
