import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError

from terreau.audit.models import AuditEvent
from terreau.audit.queries import events_for
from terreau.audit.services import actor_pseudonym, verify_chain
from terreau.processes import services
from tests.conftest import make_process

pytestmark = pytest.mark.django_db


def test_publish_answer_records_an_event(process, inst_admin):
    answer = services.publish_answer(inst_admin, process, "Nous retenons trois propositions.")
    event = AuditEvent.objects.get(kind="answer.published")
    assert event.actor == actor_pseudonym(inst_admin)
    assert (event.target_type, event.target_id) == ("processes.process", str(process.pk))
    assert event.data["answer"] == answer.pk
    assert event.data["body_sha256"] == hashlib.sha256(answer.body.encode()).hexdigest()
    assert events_for(process) == [event]
    assert verify_chain().ok


def test_refused_answer_records_nothing(process, inst_admin, citizen):
    services.publish_answer(inst_admin, process, "Réponse")
    with pytest.raises(ValidationError):
        services.publish_answer(inst_admin, process, "Deuxième réponse")
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        services.publish_answer(citizen, process, "Réponse")
    assert AuditEvent.objects.filter(kind="answer.published").count() == 1


def test_answer_and_event_share_one_transaction(process, inst_admin, monkeypatch):
    from terreau.processes.models import InstitutionAnswer

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "record_event", broken)
    with pytest.raises(RuntimeError):
        services.publish_answer(inst_admin, process, "Réponse")
    assert not InstitutionAnswer.objects.filter(process=process).exists()


def test_publish_process_records_an_event(institution, inst_admin):
    draft = make_process(institution, slug="a-publier", status="draft")
    services.publish_process(inst_admin, draft)
    services.publish_process(inst_admin, draft)  # already published: no second event
    events = list(AuditEvent.objects.filter(kind="process.published"))
    assert len(events) == 1
    assert events[0].data == {"slug": "a-publier", "institution": institution.slug}
    assert events[0].target_id == str(draft.pk)


def test_answer_time_is_recorded_in_utc(process, inst_admin):
    when = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    services.publish_answer(inst_admin, process, "Réponse", when=when)
    assert AuditEvent.objects.get().data["published_at"] == "2026-03-01T11:00:00+00:00"
