"""Open data: public petitions and their counts (no personal data)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from terreau.opendata.datasets import Column, Dataset, ExportContext
from terreau.petitions import queries


def _rows(ctx: ExportContext):
    qs = queries.public_petitions().select_related("petition_type").order_by("pk")
    for p in qs.iterator(chunk_size=1000):
        yield {
            "slug": p.slug,
            "title": p.title,
            "demand": p.demand,
            "institution": p.institution.slug,
            "status": p.status,
            "scope_level": p.scope_level,
            "territory_code": p.scope.pk if p.scope else None,
            "published_at": p.published_at,
            "closed_at": p.closed_at,
            "signatures": p.signature_count,
            "answer_threshold": p.petition_type.answer_threshold if p.petition_type else None,
            "answer_due": p.answer_due,
            "answered_at": p.answered_at,
            "url": ctx.absolute(p.get_absolute_url()),
        }


def petitions_dataset() -> Dataset:
    return Dataset(
        name="petitions",
        title=_("Pétitions"),
        description=_(
            "Les pétitions publiques, leur destinataire, leur état et leur nombre de signatures comptées"
            " (confirmées et non invalidées). Aucune donnée personnelle des signataires."
        ),
        columns=(
            Column("slug", "string", _("Identifiant")),
            Column("title", "string", _("Titre")),
            Column("demand", "string", _("Demande")),
            Column("institution", "string", _("Institution destinataire (identifiant)")),
            Column("status", "string", _("État")),
            Column("scope_level", "string", _("Échelle du territoire")),
            Column("territory_code", "string", _("Code INSEE du territoire")),
            Column("published_at", "datetime", _("Publiée le")),
            Column("closed_at", "datetime", _("Collecte close le")),
            Column("signatures", "integer", _("Signatures comptées")),
            Column("answer_threshold", "integer", _("Seuil de réponse")),
            Column("answer_due", "date", _("Réponse attendue le")),
            Column("answered_at", "datetime", _("Réponse publiée le")),
            Column("url", "string", _("Page")),
        ),
        rows=_rows,
        count=lambda: queries.public_petitions().count(),
        primary_key=("slug",),
        source="petitions",
        notes=_("Le nombre de signatures est celui du dernier rapprochement (quelques minutes au plus)."),
    )
