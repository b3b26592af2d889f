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
        # Comments can be reported and hidden by the moderators of their institution (the
        # process's, or a petition's addressee), and by whoever the target's registration names.
        register_reportable(
            Comment,
            get_process=lambda comment: comment.process,
            get_institution=lambda comment: comment.institution,
            is_moderator=_moderates_target,
            is_public=_target_shows_comments,
            get_place=_comment_place,
            for_institution=lambda queryset, institution: queryset.filter(institution=institution),
            get_url=lambda comment: reverse("discussions:comment", args=[comment.pk]),
            label=_("commentaire"),
        )
        if _export_comments not in PERSONAL_DATA_EXPORTERS:
            PERSONAL_DATA_EXPORTERS.append(_export_comments)


def _moderates_target(user, comment) -> bool:
    from terreau.discussions.queries import commentable_target

    target, entry = commentable_target(comment)
    return target is not None and entry is not None and bool(entry.is_moderator(user, target))


def _target_shows_comments(comment) -> bool:
    """A comment may be reported while its target shows comments (not a draft process or petition)."""
    from terreau.discussions.queries import commentable_target

    target, entry = commentable_target(comment)
    return target is not None and entry is not None and entry.shows_comments(target)


def _comment_place(comment) -> str:
    """ "Démarche : <title>" or "Pétition : <title>", for moderators."""
    from django.utils.text import capfirst
    from django.utils.translation import gettext

    from terreau.discussions.queries import commentable_target

    if comment.process_id is not None:
        return gettext("Démarche : %(title)s") % {"title": comment.process.title}
    target, entry = commentable_target(comment)
    if target is None or entry is None:
        return ""
    return f"{capfirst(str(entry.label))} : {target}"


def _export_comments(user) -> dict:
    from terreau.discussions.queries import comments_by

    return {
        "comments": [
            {
                "process": c.process.title if c.process_id else None,
                "institution": c.institution.name,
                "about": str(c.target) if c.target is not None else None,
                "body": c.body,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
                "status": c.status,
                "hidden_reason": c.hidden_reason,
            }
            for c in comments_by(user)
        ]
    }
