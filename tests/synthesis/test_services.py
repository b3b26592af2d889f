"""Runs, progress, incremental assignment, automatic re-runs, edits and publication."""

from __future__ import annotations

import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count

from terreau.audit.models import AuditEvent as Event
from terreau.synthesis import demo_data, services
from terreau.synthesis.models import Member, Synthesis, SynthesisRun, Theme

from .conftest import SOURCE, participants

pytestmark = pytest.mark.django_db


def test_start_runs_in_the_background_with_progress(commented_process, inst_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start(inst_admin, SOURCE, commented_process.pk)
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert [s["step"] for s in run.steps] == ["queued", "read", "engine", "save", "done"]
    synthesis = run.synthesis
    comments = commented_process.comments.count()
    assert run.n_contributions == comments == synthesis.members.count() == synthesis.contribution_count
    assert synthesis.state == "draft" and synthesis.computed_at
    assert synthesis.themes.filter(parent=None).count() >= 2


def test_campaign_counted_once_with_its_authors(computed):
    biggest = max(computed.data["campaigns"], key=lambda c: c["n_authors"])
    assert biggest["n_authors"] >= 20
    assert computed.members.filter(campaign=biggest["id"]).count() == biggest["n_contributions"]


def test_theme_counts_are_counts_of_member_rows(computed):
    for theme in computed.themes.filter(parent=None):
        rows = computed.members.filter(theme=theme)
        assert theme.n_contributions == rows.count()
        assert theme.n_authors == rows.values("author_key").distinct().count()


def test_one_active_run_per_synthesis(computed, inst_admin):
    services.rerun(inst_admin, computed)
    with pytest.raises(ValidationError):
        services.rerun(inst_admin, computed)
    assert SynthesisRun.objects.filter(synthesis=computed, status="queued").count() == 1


def test_failed_run_is_recorded(computed, inst_admin, monkeypatch):
    monkeypatch.setattr(services, "run", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        services.run_now(computed, inst_admin)
    run = computed.runs.first()
    assert run.status == "failed" and run.error == "boom" and run.steps[-1]["step"] == "failed"


@pytest.mark.parametrize("role", ["moderator", "reviewer"])
def test_only_admins_and_facilitators_manage(commented_process, institution, role):
    from tests.conftest import member

    user = member(institution, role)
    with pytest.raises(PermissionDenied):
        services.start(user, SOURCE, commented_process.pk)


def test_facilitator_may_start(commented_process, facilitator):
    assert services.start(facilitator, SOURCE, commented_process.pk).status == "queued"


def test_other_institution_and_citizens_refused(computed, other_admin, citizen, commented_process):
    theme = computed.themes.first()
    for user in (other_admin, citizen):
        with pytest.raises(PermissionDenied):
            services.start(user, SOURCE, commented_process.pk)
        for call in (
            lambda u: services.rename(u, theme, "X"),
            lambda u: services.publish(u, computed),
            lambda u: services.rerun(u, computed),
            lambda u: services.set_summary(u, theme, "x"),
        ):
            with pytest.raises(PermissionDenied):
                call(user)
    assert Theme.objects.get(pk=theme.pk).label == theme.label
    assert not Synthesis.objects.get(pk=computed.pk).is_published


def test_unknown_source_or_object(inst_admin, commented_process):
    for source, pk in (("nope", commented_process.pk), (SOURCE, 999999), (SOURCE, "abc"), (SOURCE, None)):
        with pytest.raises(ValidationError):
            services.start(inst_admin, source, pk)
    assert not Synthesis.objects.exists()


@pytest.mark.parametrize("label", ["", "   ", "x" * 121, None, 12, ["a"]])
def test_rename_refuses_bad_labels(computed, inst_admin, label):
    theme = computed.themes.first()
    with pytest.raises(ValidationError):
        services.rename(inst_admin, theme, label)
    assert Theme.objects.get(pk=theme.pk).label == theme.label
    assert Synthesis.objects.get(pk=computed.pk).edit_log == []


def test_rename_keeps_unicode_and_logs(computed, inst_admin):
    theme = computed.themes.filter(parent=None).first()
    services.rename(inst_admin, theme, "  Mobilité\u200b  de nuit 🚋 <b>  ")
    theme.refresh_from_db()
    assert theme.label == "Mobilité de nuit 🚋 <b>" and theme.edited
    assert Synthesis.objects.get(pk=computed.pk).edit_log[-1]["action"] == "rename"


def test_merge_moves_members_and_recounts(computed, inst_admin):
    a, b = computed.themes.filter(parent=None).order_by("position")[:2]
    total = a.n_contributions + b.n_contributions
    services.merge(inst_admin, b, a)
    a.refresh_from_db()
    assert not Theme.objects.filter(pk=b.pk).exists()
    assert a.n_contributions == total == computed.members.filter(theme=a).count()
    with pytest.raises(ValidationError):
        services.merge(inst_admin, a, a)


def test_merge_refuses_a_theme_of_another_synthesis(computed, inst_admin):
    other = Synthesis.objects.create(source="x", content_type=computed.content_type, object_id=computed.object_id)
    foreign = Theme.objects.create(synthesis=other, key="T1", label="Ailleurs")
    theme = computed.themes.filter(parent=None).first()
    with pytest.raises(ValidationError):
        services.merge(inst_admin, theme, foreign)


def test_split_by_chosen_members(computed, inst_admin):
    theme = computed.themes.filter(parent=None).order_by("-n_contributions").first()
    ids = list(computed.members.filter(theme=theme).values_list("contribution_id", flat=True)[:3])
    new = services.split(inst_admin, theme, [*ids, "999999", None], "Navettes de nuit")
    assert new.key.startswith("E") and new.n_contributions == 3
    assert set(computed.members.filter(theme=new).values_list("contribution_id", flat=True)) == set(ids)
    with pytest.raises(ValidationError):
        services.split(inst_admin, theme, [], "Vide")
    everything = computed.members.filter(theme=theme).values_list("contribution_id", flat=True)
    with pytest.raises(ValidationError):
        services.split(inst_admin, theme, list(everything), "Tout")


def test_split_by_subthemes(computed, inst_admin):
    theme = computed.themes.filter(parent=None).first()
    with pytest.raises(ValidationError):
        services.split_by_subthemes(inst_admin, theme)  # too small for engine sub-themes
    subs = [
        Theme.objects.create(synthesis=computed, key=f"{theme.key}.{i}", label=f"S{i}", parent=theme) for i in (1, 2)
    ]
    members = list(computed.members.filter(theme=theme)[:4])
    for i, m in enumerate(members):
        m.subtheme = subs[i % 2]
        m.save()
    promoted = services.split_by_subthemes(inst_admin, theme)
    assert {t.parent_id for t in promoted} == {None}
    assert sum(t.n_contributions for t in Theme.objects.filter(pk__in=[s.pk for s in subs])) == 4


def test_move_and_summary(computed, inst_admin):
    a, b = computed.themes.filter(parent=None).order_by("position")[:2]
    member = computed.members.filter(theme=a).first()
    services.move(inst_admin, computed, member.contribution_id, b)
    member.refresh_from_db()
    assert member.theme == b and member.assigned_by == "staff"
    with pytest.raises(ValidationError):
        services.move(inst_admin, computed, "nope", b)
    theme = services.set_summary(inst_admin, b, "**Gras** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>Gras</strong>" in theme.summary_html
    assert "<script" not in theme.summary_html and "javascript:" not in theme.summary_html
    with pytest.raises(ValidationError):
        services.set_summary(inst_admin, b, "x" * 5001)


def test_publish_records_edits_and_audit(computed, inst_admin):
    theme = computed.themes.filter(parent=None).first()
    services.rename(inst_admin, theme, "Nouveau nom")
    services.publish(inst_admin, computed)
    computed.refresh_from_db()
    assert computed.is_published and computed.published_by == inst_admin
    event = Event.objects.get(kind="synthesis.published")
    assert event.data["edits"] == {"rename": 1}
    with pytest.raises(ValidationError):
        services.publish(inst_admin, computed)
    assert Event.objects.filter(kind="synthesis.published").count() == 1


def test_publish_needs_a_computed_synthesis(commented_process, inst_admin):
    content_type = ContentType.objects.get_for_model(commented_process)
    synthesis = Synthesis.objects.create(source=SOURCE, content_type=content_type, object_id=commented_process.pk)
    with pytest.raises(ValidationError):
        services.publish(inst_admin, synthesis)


def test_full_rerun_keeps_ids_and_renames(computed, inst_admin):
    theme = computed.themes.filter(parent=None).order_by("-n_authors").first()
    services.rename(inst_admin, theme, "Renommé par l'équipe")
    before = set(computed.themes.filter(parent=None).values_list("key", flat=True))
    services.run_now(computed, inst_admin)
    computed.refresh_from_db()
    after = set(computed.themes.filter(parent=None).values_list("key", flat=True))
    assert before == after
    assert computed.themes.get(key=theme.key).label == "Renommé par l'équipe"
    assert computed.edit_log[-1]["action"] == "recompute"
    assert services.edit_summary(computed) == {}


def test_incremental_assignment_below_the_threshold(computed, commented_process):
    users = participants(5, prefix="new")
    demo_data.add_comments(
        commented_process,
        users,
        [
            "Il faudrait davantage de bus la nuit vers l'hôpital pour les soignants en horaires décalés.",
            "Publier les relevés de qualité de l'air près des écoles chaque mois pour la santé des enfants.",
            "RAS",
        ],
        campaign_authors=0,
    )
    done = services.check_for_changes()
    assert done == {"rerun": 0, "assigned": 3}
    computed.refresh_from_db()
    new = computed.members.filter(assigned_by="incremental")
    assert new.count() == 3 and computed.assigned_count == 3
    assert new.exclude(theme=None).count() >= 1
    assert services.check_for_changes() == {"rerun": 0, "assigned": 0}


def test_automatic_rerun_past_the_threshold(computed, commented_process, django_capture_on_commit_callbacks):
    users = participants(10, prefix="many")
    demo_data.add_comments(commented_process, users, demo_data.corpus(random.Random(7), per_theme=8), 0)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.check_for_changes()
    assert done["rerun"] == 1
    run = computed.runs.first()
    assert run.trigger == "auto" and run.status == "done"
    computed.refresh_from_db()
    assert computed.members.count() == commented_process.comments.count()


def test_hidden_comments_are_not_read(computed, commented_process, inst_admin):
    from terreau.moderation import services as moderation
    from tests.conftest import member

    moderator = member(commented_process.institution, "moderator", "mod2@example.org")
    comment = commented_process.comments.first()
    moderation.hide(moderator, comment, reason="spam")
    services.run_now(computed, inst_admin)
    assert not Member.objects.filter(synthesis=computed, contribution_id=str(comment.pk)).exists()


def test_member_rows_are_unique(computed):
    dupes = computed.members.values("contribution_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not dupes.exists()


def test_a_lost_run_stops_blocking_after_a_while(computed, inst_admin):
    import datetime

    from django.utils import timezone

    lost = services.rerun(inst_admin, computed)
    SynthesisRun.objects.filter(pk=lost.pk).update(
        status="running", started_at=timezone.now() - services.STALE_AFTER - datetime.timedelta(minutes=1)
    )
    fresh = services.rerun(inst_admin, computed)
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.error and fresh.status == "queued"
