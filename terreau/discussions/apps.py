from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "terreau.discussions"
    label = "discussions"
    verbose_name = _("Discussions")

    def ready(self) -> None:
        from django.urls import reverse

        from terreau.accounts.services import PERSONAL_DATA_EXPORTERS
        from terreau.discussions.models import Comment
        from terreau.discussions.registry import register_commentable
        from terreau.moderation.registry import register_reportable
        from terreau.processes.models import Process

        # Processes accept comments on their page while published (not draft, not archived).
        register_commentable(
            Process,
            get_process=lambda process: process,
            get_url=lambda process: reverse("processes:detail", args=[process.slug]),
            public_objects=lambda: Process.objects.exclude(status=Process.Status.DRAFT),
            label=_("démarche"),
        )
        # Comments can be reported and hidden by the moderators of their process's institution.
        register_reportable(
            Comment,
            get_process=lambda comment: comment.process,
            get_url=lambda comment: reverse("discussions:comment", args=[comment.pk]),
            label=_("commentaire"),
        )
        if _export_comments not in PERSONAL_DATA_EXPORTERS:
            PERSONAL_DATA_EXPORTERS.append(_export_comments)


def _export_comments(user) -> dict:
    from terreau.discussions.queries import comments_by

    return {
        "comments": [
            {
                "process": c.process.title,
                "body": c.body,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
                "status": c.status,
                "hidden_reason": c.hidden_reason,
            }
            for c in comments_by(user)
        ]
    }
