"""Comments on any commentable object (see registry.py), threaded two levels deep."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from terreau.core.markdown import render_markdown
from terreau.discussions.html import sanitize_html
from terreau.moderation.models import Moderatable

BODY_MAX = 5000
MAX_DEPTH = 2  # 0: a comment; 1: a reply; 2: a reply to a reply (the deepest level)
TOKEN_LENGTH = 32


class Comment(Moderatable):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    # Denormalised from the target: this institution moderates the comment (reports, queue,
    # blocks, public log). For content of a process, the process's institution; for a
    # petition, its addressee.
    institution = models.ForeignKey("processes.Institution", on_delete=models.CASCADE, related_name="comments")
    # Denormalised from the target when it belongs to a process (None for a petition).
    process = models.ForeignKey(
        "processes.Process", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    # The depth-0 comment a reply belongs to: one query fetches every reply of a page of threads.
    thread = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    depth = models.PositiveSmallIntegerField(default=0)
    # Accounts are never deleted, only anonymised: the author shows as "Participant supprimé".
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("commentaire"), max_length=BODY_MAX)
    # The body rendered and sanitized once, when written (Markdown is the costly part of a page).
    body_html = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("publié le"), default=timezone.now)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    # A random token rendered in each comment form: a double submit finds the same row.
    client_token = models.CharField(max_length=TOKEN_LENGTH, blank=True, default="", editable=False)

    class Meta(Moderatable.Meta):
        verbose_name = _("commentaire")
        ordering = ["created_at", "id"]
        constraints = [
            *Moderatable.Meta.constraints,
            models.UniqueConstraint(
                fields=["author", "client_token"], condition=~Q(client_token=""), name="comment_once_per_token"
            ),
            models.CheckConstraint(condition=Q(depth__lte=MAX_DEPTH), name="comment_depth_bounded"),
            models.CheckConstraint(
                condition=Q(depth=0, parent__isnull=True, thread__isnull=True)
                | Q(depth__gt=0, parent__isnull=False, thread__isnull=False),
                name="comment_depth_matches_parent",
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("body"), 0) & LessThanOrEqual(Length("body"), BODY_MAX),
                name="comment_body_length",
            ),
        ]
        indexes = [
            # Keyset pagination of the threads of one object, newest first.
            models.Index(fields=["content_type", "object_id", "depth", "created_at", "id"], name="comment_page_idx"),
            models.Index(fields=["thread", "created_at", "id"], name="comment_thread_idx"),
            models.Index(fields=["process", "status", "created_at"], name="comment_process_idx"),
            models.Index(fields=["institution", "status", "created_at"], name="comment_institution_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} — {self.author}"

    def save(self, *args, **kwargs) -> None:
        # Rows written directly (scripts, tests) with a process only: its institution moderates.
        if self.institution_id is None and self.process_id is not None:
            self.institution_id = self.process.institution_id
        super().save(*args, **kwargs)

    @property
    def html(self) -> SafeString:
        """The body as safe HTML: the stored rendering, sanitized again, or rendered now."""
        if self.body_html:
            return sanitize_html(self.body_html)
        return render_markdown(self.body)

    def get_absolute_url(self) -> str:
        from terreau.discussions.registry import get_commentable

        entry = get_commentable(self.content_type.model_class())
        return f"{entry.get_url(self.target)}#commentaire-{self.pk}"
