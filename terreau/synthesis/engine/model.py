"""Plain data in and out of the engine: contributions, parameters, and the synthesis.

Everything here is a dataclass of str/int/float/list/None so that ``Synthesis.to_dict()`` is
JSON-serialisable as is and ``Synthesis.from_dict()`` rebuilds an equal object.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

Id = str | int

STANCES = ("for", "against", "mixed")


@dataclass(slots=True)
class Contribution:
    """One text written by a participant (a comment, a proposal, an argument, a page of a cahier)."""

    id: Id
    text: str
    author_id: Id | None = None
    author_kind: str | None = None  # citizen, association, union, company, expert, elected, agent...
    commune: str | None = None  # INSEE code
    departement: str | None = None
    region: str | None = None
    supports: int = 0  # votes / supports received
    stance: str | int | None = None  # "for"/"against"/"mixed", or 1/-1/0 (alignment)
    parent_id: Id | None = None
    created: str | None = None  # ISO 8601

    @property
    def author_key(self) -> str:
        """Who counts as one author: the author id, or the contribution itself when anonymous."""
        return f"a:{self.author_id}" if self.author_id is not None else f"c:{self.id}"


def normalize_stance(value: str | int | None) -> str | None:
    """Map 1/-1/0 and common words to "for"/"against"/"mixed"; anything else to None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "for" if value else "against"
    if isinstance(value, int | float):
        return "for" if value > 0 else "against" if value < 0 else "mixed"
    v = str(value).strip().lower()
    if v in ("for", "pour", "favorable", "yes", "oui", "1", "+1", "agree", "in_favor"):
        return "for"
    if v in ("against", "contre", "defavorable", "défavorable", "no", "non", "-1", "disagree"):
        return "against"
    if v in ("mixed", "mitige", "mitigé", "neutral", "neutre", "0", "nuance", "nuancé"):
        return "mixed"
    return None


@dataclass(slots=True)
class SynthesisParams:
    """Every knob of the engine, recorded in the output."""

    seed: int = 0
    n_themes: int | None = None  # None: chosen from the number of units
    max_themes: int = 40
    min_themes: int = 2
    svd_components: int = 150  # up to KMEANS_FULL_MAX (8,000) units; see ``svd_components_large``
    svd_components_large: int = 50  # above 8,000 units (mini-batch path: time and memory)
    svd_pairs: bool = False  # stem pairs shape the SVD too (they move with the sample: less stable themes)
    spectrum_power: float = 2.0  # up to 8,000 units: SVD coordinates scaled by (σ_j / σ_1)^(p − 1) (more stable themes)
    cluster_runs: int = 1  # > 1: several k-means runs, the most central partition is kept
    consensus_max_units: int = 4000  # up to this many units: consensus clustering (co-association)
    consensus_runs: int = 1000  # k-means runs behind the co-association (fewer: its noise moves the themes)
    warm_start: bool = True  # with ``previous``: k-means starts from the previous themes (stable recomputes)
    warm_iterations: int = 1  # Lloyd iterations of a warm start: more drift to another local optimum
    refine_iterations: int = 2  # Lloyd iterations after clustering: every unit ends near its nearest centroid
    keep_margin: float = 0.1  # cosine gain a unit needs to leave its theme (refinement, warm start; ≤ 8,000 units)
    min_df: int = 2
    max_df: float = 0.5
    one_liner_max_content_words: int = 1
    campaign_min_authors: int = 3
    campaign_containment: float = 0.35  # shared word-pair share of the shorter text to join two texts
    campaign_window: int = 3  # word pairs: content stems at most this many positions apart
    campaign_min_shared: int = 3
    minhash_perm: int = 64
    lsh_bands: int = 32
    unit_split_words: int = 80  # texts longer than this are split into units
    unit_min_words: int = 12
    unit_max_words: int = 90
    subtheme_min_units: int = 150
    subtheme_max: int = 6
    rare_top: int = 30
    rare_max_authors: int = 3
    rare_min_distinctness: float = 0.35
    large_theme_min_share: float = 0.5  # a theme is "large" when >= this × mean theme size
    territory_min_count: int = 5
    territory_ratio: float = 1.5
    n_keywords: int = 10
    n_bigrams: int = 5
    n_verbatims: int = 3
    theme_match_min_similarity: float = 0.3


@dataclass(slots=True)
class Verbatim:
    contribution_id: Id
    unit_id: str
    text: str


@dataclass(slots=True)
class Theme:
    id: str
    label: str
    keywords: list[str]
    bigrams: list[str]
    verbatims: list[Verbatim]
    n_units: int
    n_contributions: int
    n_authors: int
    supports: int
    stance: dict[str, int]  # for / against / mixed / none, over distinct authors
    term_profile: list[tuple[str, float]]  # top stems with weights: matches themes across recomputes
    parent_id: str | None = None
    subthemes: list[Theme] = field(default_factory=list)


@dataclass(slots=True)
class Unit:
    """An argument unit: a whole short contribution or a piece of a long one (of a group's representative)."""

    id: str
    contribution_id: Id  # the group's representative
    group_id: int
    start: int  # character offsets in the representative's text
    end: int
    theme_id: str | None
    subtheme_id: str | None = None


@dataclass(slots=True)
class Campaign:
    """A text posted (with light variants) by several authors: one argument, N authors."""

    id: str
    text: str
    representative_id: Id
    contribution_ids: list[Id]
    n_contributions: int
    n_authors: int
    n_exact_copies: int
    supports: int
    theme_ids: list[str]


@dataclass(slots=True)
class OneLiner:
    """Very short answers ("RAS", "Non", "ok") grouped by their normalised text."""

    text: str
    n_contributions: int
    n_authors: int
    contribution_ids: list[Id]


@dataclass(slots=True)
class RareArgument:
    unit_id: str
    contribution_id: Id
    text: str
    n_contributions: int  # its real, small counts
    n_authors: int
    distinctness: float  # 1 - similarity to the nearest large theme
    informativeness: float
    score: float
    nearest_theme_id: str | None
    theme_id: str | None
    # Every contribution behind the counts (its exact copies): the numbers stay traceable.
    contribution_ids: list[Id] = field(default_factory=list)


@dataclass(slots=True)
class ThemeDeviation:
    theme_id: str
    n_authors: int
    share: float
    national_share: float
    ratio: float


@dataclass(slots=True)
class GroupBreakdown:
    """Theme counts (distinct authors) for one territory or one participant kind."""

    level: str  # departement / region / author_kind
    code: str
    n_authors: int
    themes: list[tuple[str, int]]
    over: list[ThemeDeviation]
    under: list[ThemeDeviation]


@dataclass(slots=True)
class Synthesis:
    themes: list[Theme]
    campaigns: list[Campaign]
    one_liners: list[OneLiner]
    rare_arguments: list[RareArgument]
    breakdowns: dict[str, list[GroupBreakdown]]
    units: list[Unit]
    contribution_themes: list[tuple[Id, str | None]]  # each contribution's main theme
    stats: dict[str, int]
    params: SynthesisParams
    timings: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable data."""
        return _plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Synthesis:
        def theme(d: dict[str, Any]) -> Theme:
            d = dict(d)
            d["verbatims"] = [Verbatim(**v) for v in d["verbatims"]]
            d["term_profile"] = [(t, w) for t, w in d["term_profile"]]
            d["subthemes"] = [theme(s) for s in d["subthemes"]]
            return Theme(**d)

        def breakdown(d: dict[str, Any]) -> GroupBreakdown:
            d = dict(d)
            d["themes"] = [(t, n) for t, n in d["themes"]]
            d["over"] = [ThemeDeviation(**x) for x in d["over"]]
            d["under"] = [ThemeDeviation(**x) for x in d["under"]]
            return GroupBreakdown(**d)

        return cls(
            themes=[theme(t) for t in data["themes"]],
            campaigns=[Campaign(**c) for c in data["campaigns"]],
            one_liners=[OneLiner(**o) for o in data["one_liners"]],
            rare_arguments=[RareArgument(**r) for r in data["rare_arguments"]],
            breakdowns={k: [breakdown(b) for b in v] for k, v in data["breakdowns"].items()},
            units=[Unit(**u) for u in data["units"]],
            contribution_themes=[(c, t) for c, t in data["contribution_themes"]],
            stats=dict(data["stats"]),
            params=SynthesisParams(**data["params"]),
            timings=dict(data["timings"]),
        )

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value
