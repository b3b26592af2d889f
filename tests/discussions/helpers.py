"""Helpers shared by the discussions and moderation tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from terreau.discussions import services
from terreau.discussions.models import Comment


def post(author, target, body: str = "Un avis argumenté.", **kwargs) -> Comment:
    return services.post_comment(author, target, body, **kwargs)


def age(comment: Comment, minutes: int) -> Comment:
    """Pretend the comment was written `minutes` ago."""
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))
    comment.refresh_from_db()
    return comment


def page_url(process) -> str:
    return f"/demarches/{process.slug}/"


def post_url(process) -> str:
    return f"/discussions/processes/process/{process.pk}/commenter/"


def thread_url(process) -> str:
    return f"/discussions/processes/process/{process.pk}/"


HTMX = {"HTTP_HX_REQUEST": "true"}
XSS = '<svg onload=alert(1)>"><img src=x onerror=alert(2)><script>alert(3)</script>'
