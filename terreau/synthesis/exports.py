"""JSON and CSV exports of a synthesis (CSV cells formula-neutralised like the open-data app's).

Membership lists contribution ids and where each went; author keys are never exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from terreau.opendata.datasets import Column, Dataset
from terreau.opendata.exports import csv_cell, dumps
from terreau.synthesis import queries
from terreau.synthesis.models import Synthesis, Theme
from terreau.synthesis.services import edit_summary, source_of, target_of

TABLES = ("themes", "membership", "campaigns", "rare")


def _theme(theme: Theme) -> dict[str, Any]:
    return {
        "id": theme.key,
        "parent_id": theme.parent.key if theme.parent_id else None,
        "label": theme.label,
        "automatic_label": theme.auto_label,
        "edited": theme.edited,
        "keywords": theme.keywords,
        "bigrams": theme.bigrams,
        "n_units": theme.n_units,
        "n_contributions": theme.n_contributions,
        "n_authors": theme.n_authors,
        "supports": theme.supports,
        "stance": theme.stance,
        "summary": theme.summary,
        "verbatims": [{"contribution_id": v["contribution_id"], "text": v["text"]} for v in theme.verbatims],
    }


def themes(synthesis: Synthesis) -> list[dict[str, Any]]:
    return [_theme(t) for t in synthesis.themes.select_related("parent").order_by("position", "id")]


def membership(synthesis: Synthesis) -> Iterator[dict[str, Any]]:
    rows = synthesis.members.order_by("position", "id").values_list(
        "contribution_id", "theme__key", "subtheme__key", "campaign", "one_liner", "departement", "author_kind",
        "assigned_by",
    )  # fmt: skip
    for cid, theme, sub, campaign, one_liner, dep, kind, assigned_by in rows.iterator(chunk_size=2000):
        yield {
            "contribution_id": cid,
            "theme_id": theme,
            "subtheme_id": sub,
            "campaign_id": campaign or None,
            "one_liner_id": one_liner or None,
            "departement": dep or None,
            "author_kind": kind or None,
            "assigned_by": assigned_by,
        }


def campaigns(synthesis: Synthesis) -> list[dict[str, Any]]:
    return [
        {k: c[k] for k in ("id", "text", "n_contributions", "n_authors", "n_exact_copies", "supports", "theme_ids")}
        for c in queries.campaigns(synthesis)
    ]


def rare(synthesis: Synthesis) -> list[dict[str, Any]]:
    keys = ("contribution_id", "text", "n_contributions", "n_authors", "distinctness", "score", "nearest_theme_id")
    return [{k: r[k] for k in keys} for r in queries.rare_arguments(synthesis)]


def document(synthesis: Synthesis) -> dict[str, Any]:
    source, target = source_of(synthesis), target_of(synthesis)
    return {
        "id": synthesis.pk,
        "source": synthesis.source,
        "title": source.title(target) if source and target else "",
        "state": synthesis.state,
        "computed_at": synthesis.computed_at.isoformat() if synthesis.computed_at else None,
        "published_at": synthesis.published_at.isoformat() if synthesis.published_at else None,
        "edits": edit_summary(synthesis),
        "stats": (synthesis.data or {}).get("stats", {}),
        "themes": themes(synthesis),
        "campaigns": campaigns(synthesis),
        "rare_arguments": rare(synthesis),
        "one_liners": [
            {"id": o["key"], "text": o["text"], "n_contributions": o["n_contributions"], "n_authors": o["n_authors"]}
            for o in queries.one_liners(synthesis)
        ],
        "membership": list(membership(synthesis)),
    }


def as_json(synthesis: Synthesis) -> str:
    return dumps(document(synthesis))


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " | ".join(f"{k}={v}" for k, v in value.items())
    return value


def as_csv(synthesis: Synthesis, table: str) -> str:
    if table == "themes":
        rows: Any = [{k: v for k, v in t.items() if k != "verbatims"} for t in themes(synthesis)]
    else:
        rows = {"membership": membership, "campaigns": campaigns, "rare": rare}[table](synthesis)
    out = io.StringIO()
    writer = None
    for row in rows:
        if writer is None:
            writer = csv.writer(out)
            writer.writerow(list(row))
        writer.writerow([csv_cell(_flat(v)) for v in row.values()])
    return out.getvalue()


# --- Open data: the themes of every published synthesis ----------------------------------------


def _open_themes(ctx) -> Iterator[dict[str, Any]]:
    for synthesis in queries.published():
        source, target = source_of(synthesis), target_of(synthesis)
        for theme in synthesis.themes.select_related("parent").order_by("position", "id"):
            yield {
                "synthesis_id": synthesis.pk,
                "synthesis_url": ctx.absolute(synthesis.get_absolute_url()),
                "source": synthesis.source,
                "title": source.title(target),
                "theme_id": theme.key,
                "parent_theme_id": theme.parent.key if theme.parent_id else None,
                "label": theme.label,
                "edited": theme.edited,
                "keywords": " | ".join(theme.keywords),
                "n_contributions": theme.n_contributions,
                "n_authors": theme.n_authors,
                "supports": theme.supports,
                "published_at": synthesis.published_at,
            }


DATASETS = (
    Dataset(
        name="syntheses-themes",
        title=_("Synthèses : thèmes"),
        description=_(
            "Les thèmes des synthèses publiées, avec leur nombre de contributions et de participant·es "
            "distinct·es (une campagne compte chaque personne une fois) et s'ils ont été modifiés par l'équipe. "
            "Le détail de chaque synthèse (campagnes, arguments rares, contributions par thème) est "
            "téléchargeable depuis sa page."
        ),
        columns=(
            Column("synthesis_id", "integer", _("Synthèse")),
            Column("synthesis_url", "string", _("Page de la synthèse")),
            Column("source", "string", _("Source des contributions")),
            Column("title", "string", _("Objet")),
            Column("theme_id", "string", _("Thème")),
            Column("parent_theme_id", "string", _("Thème parent"), _("Vide pour un thème principal.")),
            Column("label", "string", _("Intitulé")),
            Column("edited", "boolean", _("Modifié par l'équipe")),
            Column("keywords", "string", _("Mots-clés")),
            Column("n_contributions", "integer", _("Contributions")),
            Column("n_authors", "integer", _("Participant·es distinct·es")),
            Column("supports", "integer", _("Soutiens")),
            Column("published_at", "datetime", _("Publiée le")),
        ),
        rows=_open_themes,
        primary_key=("synthesis_id", "theme_id"),
    ),
)


def themes_dataset() -> Dataset:
    return DATASETS[0]
