"""Open data of the discussions app: public comments, authors by kind only.

Hidden comments, comments on drafts and on non-public objects never appear (the rows come
from queries.public_comments()); no author name, id or email is exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from terreau.accounts.models import ParticipantKind
from terreau.discussions.queries import public_comments
from terreau.opendata.datasets import Column, Dataset, ExportContext

CHUNK = 1000


def _comments(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    qs = public_comments().select_related("process", "institution", "content_type", "author__commune")
    for comment in qs.iterator(chunk_size=CHUNK):
        author = comment.author
        deleted = author.deleted_at is not None
        yield {
            "id": comment.pk,
            "process_slug": comment.process.slug if comment.process_id else None,
            "institution_slug": comment.institution.slug,
            "target_type": f"{comment.content_type.app_label}.{comment.content_type.model}",
            "target_id": comment.object_id,
            "parent_id": comment.parent_id,
            "depth": comment.depth,
            "author_kind": None if deleted else author.kind,
            "author_departement_code": None if deleted or not author.commune else author.commune.departement_id,
            "created_at": comment.created_at,
            "edited_at": comment.edited_at,
            "body": comment.body,
        }


DATASETS = (
    Dataset(
        name="commentaires",
        title=_("Commentaires"),
        description=_(
            "Les commentaires publics sur les démarches et les pétitions : texte, date, type de participant "
            "et département. "
            "Les commentaires masqués par la modération et les noms des personnes ne sont jamais publiés."
        ),
        columns=(
            Column("id", "integer", _("Identifiant"), constraints={"required": True, "unique": True}),
            Column("process_slug", "string", _("Identifiant de la démarche"), _("Vide hors démarche (pétition).")),
            Column("institution_slug", "string", _("Institution qui modère")),
            Column("target_type", "string", _("Objet commenté (type)")),
            Column("target_id", "integer", _("Objet commenté (identifiant)")),
            Column("parent_id", "integer", _("Réponse au commentaire"), _("Vide pour un premier commentaire.")),
            Column("depth", "integer", _("Profondeur dans la discussion")),
            Column(
                "author_kind",
                "string",
                _("Type de participant"),
                _("Vide pour un compte supprimé."),
                constraints={"enum": list(ParticipantKind.values)},
            ),
            Column("author_departement_code", "string", _("Département de l'auteur·rice")),
            Column("created_at", "datetime", _("Publié le")),
            Column("edited_at", "datetime", _("Modifié le")),
            Column("body", "string", _("Texte"), _("Texte Markdown.")),
        ),
        rows=_comments,
        count=lambda: public_comments().count(),
        primary_key=("id",),
    ),
)
