"""The source the synthesis app registers itself: the comments on a process page.

Feature apps (consultations, petitions...) register their own sources; this one exists so that
every process has something to synthesize, and it reads the shared discussions app only.
`contributions`, `count` and `contribution_url` work on the comments of any commentable
object: an app whose objects take comments (petitions) builds its source from them.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from terreau.discussions.models import Comment
from terreau.moderation.models import Visibility
from terreau.processes.models import Process
from terreau.synthesis.engine import Contribution
from terreau.synthesis.sources import ContributionSource

CHUNK = 2000


def _comments(target: Model):
    content_type = ContentType.objects.get_for_model(target)
    return Comment.objects.filter(content_type=content_type, object_id=target.pk, status=Visibility.VISIBLE)


def contributions(target: Model) -> Iterator[Contribution]:
    """The visible comments on `target` (a process, a petition...) as engine contributions."""
    rows = (
        _comments(target)
        .order_by("created_at", "id")
        .values_list(
            "id",
            "body",
            "author_id",
            "author__kind",
            "author__commune_id",
            "author__commune__departement_id",
            "author__commune__departement__region_id",
            "parent_id",
            "created_at",
        )
    )
    for pk, body, author, kind, commune, dep, region, parent, created in rows.iterator(chunk_size=CHUNK):
        yield Contribution(
            id=str(pk),
            text=body,
            author_id=str(author),
            author_kind=kind or None,
            commune=commune,
            departement=dep,
            region=region,
            parent_id=str(parent) if parent else None,
            created=created.isoformat(),
        )


def count(target: Model) -> int:
    return _comments(target).count()


def contribution_url(target: Model, contribution_id: str) -> str:
    return reverse("discussions:comment", args=[int(contribution_id)])


PROCESS_COMMENTS = ContributionSource(
    name="discussions.process_comments",
    label=_("Commentaires de la démarche"),
    model="processes.Process",
    contributions=contributions,
    count=count,
    contribution_url=contribution_url,
    institution=lambda process: process.institution,
    title=lambda process: process.title,
    is_public=lambda process: process.status != Process.Status.DRAFT,
    target_url=lambda process: reverse("processes:detail", args=[process.slug]),
)


def backoffice_url(process: Process) -> str:
    return reverse("synthesis:manage", args=[process.slug])
