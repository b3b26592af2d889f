"""Open-data dataset of published themes, the progress fragment, and edit invariants (hypothesis)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terreau.synthesis import services
from terreau.synthesis.models import Member, Synthesis, Theme

from .conftest import SOURCE

pytestmark = pytest.mark.django_db


def test_open_data_lists_published_themes_only(client, computed, inst_admin):
    def rows():
        body = b"".join(client.get("/donnees/syntheses-themes.csv").streaming_content).decode()
        return list(csv.DictReader(io.StringIO(body)))

    assert rows() == []
    theme = computed.themes.filter(parent=None).first()
    services.rename(inst_admin, theme, "=1+2")
    services.publish(inst_admin, computed)
    found = rows()
    assert len(found) == computed.themes.count()
    renamed = next(r for r in found if r["theme_id"] == theme.key)
    assert renamed["label"] == "'=1+2" and renamed["edited"] == "true"
    assert "syntheses-themes" in client.get("/donnees/").text


def test_progress_fragment_polls_while_a_run_is_active(computed, inst_admin):
    c = Client()
    c.force_login(inst_admin)
    services.rerun(inst_admin, computed)  # queued (the on-commit enqueue does not fire in this test)
    fragment = c.get(f"/espace/syntheses/{computed.pk}/progression/?polling=1")
    assert 'hx-trigger="every 2s"' in fragment.text and "Actualiser la page" in fragment.text
    assert "HX-Refresh" not in fragment
    page = c.get(f"/espace/syntheses/{computed.pk}/")
    assert "Calcul en cours" in page.text and f'href="/espace/syntheses/{computed.pk}/"' in page.text


def _small_synthesis(process) -> Synthesis:
    synthesis = Synthesis.objects.create(
        source=SOURCE, content_type=ContentType.objects.get_for_model(process), object_id=process.pk
    )
    themes = [Theme.objects.create(synthesis=synthesis, key=f"T{i}", label=f"Thème {i}") for i in range(1, 5)]
    Member.objects.bulk_create(
        Member(
            synthesis=synthesis,
            contribution_id=str(i),
            theme=themes[i % 4],
            author_key=f"a:{i % 7}",
            supports=i % 3,
            position=i,
        )
        for i in range(24)
    )
    services._recount(synthesis)
    return synthesis


EDIT = st.tuples(st.sampled_from(["rename", "merge", "move", "split"]), st.integers(0, 30), st.integers(0, 30))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, max_size=8))
def test_any_sequence_of_edits_keeps_counts_true(commented_process, inst_admin, edits):
    """Whatever the team does, every theme's numbers are counts of its listed contributions and no
    contribution is lost or duplicated."""
    with transaction.atomic():
        synthesis = _small_synthesis(commented_process)
        for action, x, y in edits:
            themes = list(synthesis.themes.filter(parent=None).order_by("id"))
            a, b = themes[x % len(themes)], themes[y % len(themes)]
            try:
                if action == "rename":
                    services.rename(inst_admin, a, f"Nom {x}")
                elif action == "merge":
                    services.merge(inst_admin, a, b)
                elif action == "move":
                    services.move(inst_admin, synthesis, str(x % 26), b)
                else:
                    ids = list(synthesis.members.filter(theme=a).values_list("contribution_id", flat=True))
                    services.split(inst_admin, a, ids[: 1 + y % 3], f"Scission {y}")
            except services.ValidationError:
                pass
            assert synthesis.members.count() == 24
            for theme in synthesis.themes.all():
                rows = synthesis.members.filter(theme=theme)
                assert theme.n_contributions == rows.count()
                assert theme.n_authors == rows.values("author_key").distinct().count()
                assert theme.supports == sum(rows.values_list("supports", flat=True))
        transaction.set_rollback(True)
