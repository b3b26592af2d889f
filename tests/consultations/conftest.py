"""A consultation on a small draft text, open for every action in the current phase."""

from __future__ import annotations

import pytest

from terreau.consultations import services
from terreau.consultations.models import Section
from terreau.processes.models import ProcessModule
from tests.conftest import make_process, make_user, member

TEXT = """\
# Projet de décret relatif aux trames noires

## Exposé des motifs

La pollution lumineuse perturbe la faune nocturne.

# Titre I — Principes

## Chapitre 1er — Objectifs

### Article 1er

Les éclairages publics sont éteints entre une heure et cinq heures du matin
dans les communes de moins de 10 000 habitants.

### Article 2

Les enseignes lumineuses sont éteintes entre une heure et six heures du matin.

# Titre II — Contrôle

### Article 3

Le maire contrôle le respect du présent décret.
"""

OPEN = ("votes_open", "amendments_open", "proposals_open", "arguments_open", "sources_open")


def open_module(attached, **overrides) -> None:
    settings = dict.fromkeys(("visible", *OPEN), True)
    settings.update(overrides)
    attached.phase_settings = {str(phase.pk): dict(settings) for phase in attached.process.phases.all()}
    attached.save(update_fields=["phase_settings"])


def make_consultation(institution, *, slug: str = "trames-noires", status: str = "published", **settings):
    process = make_process(institution, slug=slug, status=status)
    attached = ProcessModule.objects.create(process=process, module="consultation", title="Le décret")
    open_module(attached, **settings)
    admin = member(institution, "admin", email=f"admin-{slug}@example.org", totp=False)
    consultation = services.import_text(admin, attached, "Projet de décret relatif aux trames noires", TEXT)
    return consultation


@pytest.fixture
def consultation(institution):
    return make_consultation(institution)


def article(consultation, number: str) -> Section:
    return Section.objects.filter(consultation=consultation, kind="article", number=number).latest("version__number")


@pytest.fixture
def art1(consultation):
    return article(consultation, "1er")


@pytest.fixture
def voters(db):
    return [make_user(f"votant{i}@example.org", name=f"Votant {i}") for i in range(5)]


@pytest.fixture
def association(db):
    return make_user("asso@example.org", name="Lumière & Nuit", kind="association")
