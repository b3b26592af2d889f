import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from terreau.processes import queries, services
from terreau.processes.models import Process
from tests.conftest import make_process

pytestmark = pytest.mark.django_db

PROCESS_FIELDS = {"title": "Nouvelle démarche", "summary": "Résumé", "body": "Corps", "scope_level": "national"}
CONTRACT = {
    "objective": "O",
    "decision_maker": "D",
    "open_to_change": "A",
    "not_open": "B",
    "use_of_contributions": "U",
    "answer_due": datetime.date(2030, 1, 1),
}


def test_admin_creates_draft_with_unique_slugs(institution, inst_admin):
    first = services.create_process(inst_admin, institution, **PROCESS_FIELDS)
    second = services.create_process(inst_admin, institution, **PROCESS_FIELDS)
    assert first.status == "draft"
    assert first.slug == "nouvelle-demarche"
    assert second.slug == "nouvelle-demarche-2"


@pytest.mark.parametrize("role", ["moderator", "facilitator", "reviewer"])
def test_only_admins_create_and_edit(institution, role, request, process):
    from tests.conftest import member

    user = member(institution, role)
    with pytest.raises(PermissionDenied):
        services.create_process(user, institution, **PROCESS_FIELDS)
    with pytest.raises(PermissionDenied):
        services.update_process(user, process, title="Piraté")
    with pytest.raises(PermissionDenied):
        services.publish_answer(user, process, "Réponse")
    process.refresh_from_db()
    assert process.title != "Piraté"


def test_admin_of_another_institution_is_refused(process, other_admin, citizen):
    for actor in (other_admin, citizen):
        with pytest.raises(PermissionDenied):
            services.update_process(actor, process, title="Piraté")
        with pytest.raises(PermissionDenied):
            services.save_contract(actor, process, **CONTRACT)
        with pytest.raises(PermissionDenied):
            services.publish_process(actor, process)


def test_publication_requires_contract_and_phase(institution, inst_admin):
    process = services.create_process(inst_admin, institution, **PROCESS_FIELDS)
    with pytest.raises(ValidationError) as exc:
        services.publish_process(inst_admin, process)
    assert len(exc.value.messages) == 2
    services.save_contract(inst_admin, process, **CONTRACT)
    services.save_phase(
        inst_admin,
        process,
        kind="contribution",
        title="Avis",
        description="",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 2, 1),
    )
    published = services.publish_process(inst_admin, process)
    assert published.status == "published" and published.published_at is not None


def test_scope_must_name_its_territory(institution, inst_admin):
    with pytest.raises(ValidationError):
        services.create_process(inst_admin, institution, **{**PROCESS_FIELDS, "scope_level": "commune"})
    assert not Process.objects.exists()


def test_phase_dates_must_be_ordered(process, inst_admin):
    with pytest.raises(ValidationError):
        services.save_phase(
            inst_admin,
            process,
            kind="vote",
            title="V",
            description="",
            start_date=datetime.date(2026, 3, 1),
            end_date=datetime.date(2026, 2, 1),
        )


def test_phase_of_another_process_cannot_be_edited(institution, inst_admin, process):
    other = make_process(institution, slug="autre")
    with pytest.raises(ValidationError):
        services.save_phase(inst_admin, process, other.phases.first(), title="X")


def test_answer_is_published_once(process, inst_admin):
    services.publish_answer(inst_admin, process, "Voici notre réponse.")
    with pytest.raises(ValidationError):
        services.publish_answer(inst_admin, process, "Une seconde réponse.")
    with pytest.raises(ValidationError):
        services.save_contract(inst_admin, process, **CONTRACT)


def test_empty_answer_refused(process, inst_admin):
    with pytest.raises(ValidationError):
        services.publish_answer(inst_admin, process, "   ")
    assert not hasattr(Process.objects.get(pk=process.pk), "answer")


def test_answer_tracker_states(institution):
    late = make_process(institution, slug="late", due_in_days=-12)
    due = make_process(institution, slug="due", due_in_days=10)
    on_time = make_process(institution, slug="on-time", due_in_days=-5, answered_days_ago=10)
    answered_late = make_process(institution, slug="answered-late", due_in_days=-30, answered_days_ago=20)
    make_process(institution, slug="draft", status="draft", due_in_days=-50)
    pending_late, pending_due = queries.answers_pending()
    assert [s.process for s in pending_late] == [late]
    assert pending_late[0].days_late == 12 and pending_late[0].state == "late"
    assert [s.process for s in pending_due] == [due]
    assert queries.answer_status(on_time).state == "answered_on_time"
    status = queries.answer_status(Process.objects.get(pk=answered_late.pk))
    assert status.state == "answered_late" and status.days_late == 10
    assert queries.answer_record() == {"on_time": 1, "answered_late": 1, "late": 1, "due": 1}


def test_current_phase(process):
    assert process.current_phase() == process.phases.first()
    assert process.current_phase(timezone.localdate() + datetime.timedelta(days=100)) is None


def test_member_management(institution, inst_admin, citizen, other_admin):
    membership = services.add_member(inst_admin, institution, citizen, "moderator")
    with pytest.raises(PermissionDenied):
        services.add_member(other_admin, institution, other_admin, "admin")
    own = inst_admin.memberships.get()
    with pytest.raises(ValidationError):
        services.remove_member(inst_admin, own)  # the last admin cannot leave
    services.remove_member(inst_admin, membership)
    assert not citizen.memberships.exists()


def test_module_attach_and_settings(process, inst_admin):
    attached = services.attach_module(inst_admin, process, "page", "Documents")
    with pytest.raises(ValidationError):
        services.attach_module(inst_admin, process, "page", "Documents")
    with pytest.raises(ValidationError):
        services.attach_module(inst_admin, process, "does-not-exist", "X")
    phase = process.phases.first()
    services.update_module_settings(
        inst_admin, attached, {phase.pk: {"visible": False, "user__password": True}, 999: {"visible": True}}
    )
    attached.refresh_from_db()
    assert attached.phase_settings == {str(phase.pk): {"visible": False}}
    assert attached.current_setting("visible") is False


def test_ended_phases_are_frozen_once_answered(institution, inst_admin):
    process = make_process(institution, slug="close", phase_offsets=(-30, -10))
    ended = process.phases.get()
    services.publish_answer(inst_admin, process, "Notre réponse.")
    with pytest.raises(ValidationError):
        services.save_phase(inst_admin, process, ended, title="Réécrite")
    with pytest.raises(ValidationError):
        services.delete_phase(inst_admin, ended)
    ended.refresh_from_db()
    assert ended.title == "Contributions"
    # A follow-up phase can still be added after the answer.
    today = timezone.localdate()
    follow_up = services.save_phase(
        inst_admin,
        process,
        kind="follow_up",
        title="Suivi des engagements",
        start_date=today,
        end_date=today + datetime.timedelta(days=90),
    )
    assert follow_up.pk


def test_deleting_an_ended_phase_after_the_answer_is_refused_in_the_back_office(client, institution, inst_admin):
    from tests.conftest import login_with_mfa

    process = make_process(institution, slug="close", phase_offsets=(-30, -10))
    services.publish_answer(inst_admin, process, "Notre réponse.")
    login_with_mfa(client, inst_admin)
    phase = process.phases.get()
    response = client.post(f"/espace/demarches/{process.slug}/etapes/{phase.pk}/supprimer/", follow=True)
    assert response.status_code == 200
    assert "étapes terminées ne peuvent plus changer" in response.content.decode()
    assert process.phases.filter(pk=phase.pk).exists()
