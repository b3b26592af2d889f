"""discussions.0002: existing comments get their process's institution (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("discussions", "0001_initial")]
AFTER = [("discussions", "0002_comment_institution")]


def test_institution_is_filled_from_the_process():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Institution = old.get_model("processes", "Institution")
    Process = old.get_model("processes", "Process")
    Comment = old.get_model("discussions", "Comment")
    ContentType = old.get_model("contenttypes", "ContentType")
    User = old.get_model("accounts", "User")
    a = Institution.objects.create(name="A", slug="a", kind="commune")
    b = Institution.objects.create(name="B", slug="b", kind="commune")
    pa = Process.objects.create(institution=a, title="PA", slug="pa")
    pb = Process.objects.create(institution=b, title="PB", slug="pb")
    user = User.objects.create(email="m@example.org", display_name="M")
    content_type, _ = ContentType.objects.get_or_create(app_label="processes", model="process")
    for process in (pa, pb, pb):
        Comment.objects.create(
            content_type=content_type, object_id=process.pk, process=process, author=user, body="Avis"
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = sorted(new.get_model("discussions", "Comment").objects.values_list("process_id", "institution_id"))
    assert rows == [(pa.pk, a.pk), (pb.pk, b.pk), (pb.pk, b.pk)]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest state for the other tests
