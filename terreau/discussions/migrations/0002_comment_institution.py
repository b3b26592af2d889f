"""Comments get the institution that moderates them; their process becomes optional.

A petition is addressed to an institution without being part of a process: its comments
have no process, and moderation is keyed by `Comment.institution` for every comment.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_institution(apps, schema_editor):
    Comment = apps.get_model("discussions", "Comment")
    Process = apps.get_model("processes", "Process")
    # One UPDATE with a correlated subquery: the same SQL on SQLite and PostgreSQL.
    Comment.objects.filter(institution__isnull=True).update(
        institution_id=Subquery(Process.objects.filter(pk=OuterRef("process_id")).values("institution_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0001_initial"),
        ("processes", "0002_alter_institutionanswer_published_by_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="institution",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comments",
                to="processes.institution",
            ),
        ),
        migrations.RunPython(fill_institution, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="comment",
            name="institution",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="comments", to="processes.institution"
            ),
        ),
        migrations.AlterField(
            model_name="comment",
            name="process",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comments",
                to="processes.process",
            ),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["institution", "status", "created_at"], name="comment_institution_idx"),
        ),
    ]
