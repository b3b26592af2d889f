"""Every write on comments: post, reply, edit. The web forms, the API and tests call these."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terreau.core import ratelimit
from terreau.core.markdown import render_markdown
from terreau.discussions.models import BODY_MAX, MAX_DEPTH, TOKEN_LENGTH, Comment
from terreau.discussions.registry import Commentable, get_commentable
from terreau.moderation.models import Visibility
from terreau.moderation.queries import is_blocked
from terreau.processes.permissions import require

# Defaults; override in settings.
EDIT_WINDOW = datetime.timedelta(minutes=15)  # TERREAU_COMMENT_EDIT_WINDOW
RATE_LIMIT = (10, 600)  # TERREAU_COMMENT_RATE_LIMIT: comments per seconds, per participant and per IP

_TOKEN_RE = re.compile(rf"^[0-9a-f]{{{TOKEN_LENGTH}}}$")


def edit_window() -> datetime.timedelta:
    return getattr(settings, "TERREAU_COMMENT_EDIT_WINDOW", EDIT_WINDOW)


def rate_limit() -> tuple[int, int]:
    return getattr(settings, "TERREAU_COMMENT_RATE_LIMIT", RATE_LIMIT)


def has_verified_email(user) -> bool:
    from allauth.account.models import EmailAddress

    cached = getattr(user, "_terreau_verified_email", None)
    if cached is None:
        cached = EmailAddress.objects.filter(user_id=user.pk, verified=True).exists()
        user._terreau_verified_email = cached
    return cached


def clean_body(body: Any) -> str:
    """The comment text, stripped; refuses empty, too long, or non-text input."""
    if not isinstance(body, str):
        raise ValidationError({"body": _("Le commentaire doit être du texte.")})
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez votre commentaire avant de le publier.")})
    if len(body) > BODY_MAX:
        raise ValidationError(
            {
                "body": _("Un commentaire fait %(max)s caractères au plus (celui-ci en a %(n)s).")
                % {"max": f"{BODY_MAX:,}".replace(",", "\u202f"), "n": f"{len(body):,}".replace(",", "\u202f")}
            }
        )
    if "\x00" in body:
        raise ValidationError({"body": _("Le commentaire contient un caractère non autorisé.")})
    return body


def can_post_reason(user, target: Any, entry: Commentable | None = None) -> str | None:
    """Why `user` may not comment on `target` now, in words; None if they may."""
    entry = entry or get_commentable(target)
    if entry is None or not entry.shows_comments(target):
        return _("Les commentaires ne sont pas disponibles ici.")
    if not entry.accepts_comments(target):
        return _("Les commentaires sont fermés.")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _("Connectez-vous pour commenter.")
    if not has_verified_email(user):
        return _("Confirmez votre adresse e-mail pour pouvoir commenter.")
    if is_blocked(user, entry.get_institution(target).pk):
        return _("La modération de cette institution a suspendu votre participation à ses démarches.")
    return None


def _check_rate(author, ip: str | None) -> None:
    count, period = rate_limit()
    allowed = ratelimit.hit(f"user:{author.pk}", "comment", count, period)
    if ip:
        allowed = ratelimit.hit(f"ip:{ip}", "comment", count, period) and allowed
    if not allowed:
        minutes = max(1, period // 60)
        raise ValidationError(
            ngettext(
                "Vous avez publié beaucoup de commentaires en peu de temps (%(count)s par %(minutes)s minute au plus) :"
                " réessayez dans quelques minutes.",
                "Vous avez publié beaucoup de commentaires en peu de temps (%(count)s par %(minutes)s minutes au plus)"
                " : réessayez dans quelques minutes.",
                minutes,
            )
            % {"count": count, "minutes": minutes}
        )


def post_comment(
    author, target: Any, body: Any, *, parent: Comment | None = None, token: str = "", ip: str | None = None
) -> Comment:
    """Publish a comment on `target`, or a reply to `parent` (a comment on the same target).

    A reply to a comment that is already at the deepest level (depth 2) is attached to that
    comment's parent, so threads stay at most three levels deep.
    `token`: the hidden token of the form; a double submit with the same token returns the
    comment already created (a database constraint, not a prior read, decides).
    `ip`: the client's IP for the per-IP rate limit (None from scripts and tests).
    """
    entry = get_commentable(target)
    require(entry is not None and entry.shows_comments(target))
    require(getattr(author, "is_authenticated", False) and author.is_active)
    reason = can_post_reason(author, target, entry)
    if reason:
        raise ValidationError(reason)
    body = clean_body(body)
    content_type = ContentType.objects.get_for_model(target)
    depth, thread_id = 0, None
    if parent is not None:
        if parent.content_type_id != content_type.pk or parent.object_id != target.pk:
            raise ValidationError(_("Ce commentaire n'appartient pas à cette discussion."))
        if parent.status == Visibility.HIDDEN:
            raise ValidationError(_("Ce commentaire a été masqué par la modération : on ne peut plus y répondre."))
        if parent.depth >= MAX_DEPTH:
            parent = Comment.objects.get(pk=parent.parent_id)
        depth = parent.depth + 1
        thread_id = parent.thread_id or parent.pk
    token = token if isinstance(token, str) and _TOKEN_RE.match(token) else ""
    if token:
        existing = Comment.objects.filter(author=author, client_token=token).first()
        if existing is not None:
            return existing
    _check_rate(author, ip)
    comment = Comment(
        content_type=content_type,
        object_id=target.pk,
        institution=entry.get_institution(target),
        process=entry.get_process(target),
        parent=parent,
        thread_id=thread_id,
        depth=depth,
        author=author,
        body=body,
        body_html=str(render_markdown(body)),
        client_token=token,
    )
    try:
        with transaction.atomic():
            comment.save()
    except IntegrityError:
        if token:
            existing = Comment.objects.filter(author=author, client_token=token).first()
            if existing is not None:
                return existing
        raise
    return comment


def reply(author, parent: Comment, body: Any, *, token: str = "", ip: str | None = None) -> Comment:
    """Reply to a comment (see post_comment)."""
    target = parent.target
    require(target is not None)
    return post_comment(author, target, body, parent=parent, token=token, ip=ip)


def edit_refusal(user, comment: Comment, now: datetime.datetime | None = None) -> str | None:
    """Why `user` may not edit `comment` now; None if they may. Not the author: PermissionDenied."""
    if not getattr(user, "is_authenticated", False) or comment.author_id != user.pk:
        raise PermissionDenied
    if comment.status == Visibility.HIDDEN:
        return _("Ce commentaire a été masqué par la modération : il ne peut plus être modifié.")
    window = edit_window()
    if (now or timezone.now()) - comment.created_at > window:
        minutes = int(window.total_seconds() // 60)
        return ngettext(
            "Un commentaire se modifie dans la minute qui suit sa publication : ce délai est passé.",
            "Un commentaire se modifie dans les %(minutes)s minutes qui suivent sa publication : ce délai est passé.",
            minutes,
        ) % {"minutes": minutes}
    target = comment.target
    entry = get_commentable(target) if target is not None else None
    if entry is None or not entry.accepts_comments(target):
        return _("Les commentaires sont fermés.")
    if is_blocked(user, comment.institution_id):
        return _("La modération de cette institution a suspendu votre participation à ses démarches.")
    return None


def edit_comment(author, comment: Comment, body: Any) -> Comment:
    """The author corrects their comment within the edit window."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        refusal = edit_refusal(author, comment)
        if refusal:
            raise ValidationError(refusal)
        body = clean_body(body)
        if body != comment.body:
            comment.body = body
            comment.body_html = str(render_markdown(body))
            comment.edited_at = timezone.now()
            comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment
