"""Incremental assignment of new contributions to the themes of a synthesis.

A ``ThemeModel`` keeps what a full run fitted — vocabulary, idf, SVD components, theme centroids —
and assigns new texts to the nearest centroid in that space (a sparse product and a small dense one:
about a millisecond per hundred texts). Texts too far from every theme stay unassigned until the
next full recompute, which keeps theme ids stable by matching centroids (``themes.match_ids``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model import Contribution, Id
from .representation import TextSpace, normalize_rows
from .text import content_stems


@dataclass(slots=True)
class Assignment:
    contribution_id: Id
    theme_id: str | None  # None: one-liner or too far from every theme
    similarity: float


@dataclass(slots=True)
class ThemeModel:
    space: TextSpace
    centroids: np.ndarray  # (k, d), unit norm
    theme_ids: list[str]
    min_similarity: float
    one_liner_max_content_words: int = 1

    def assign_texts(self, texts: Sequence[str]) -> list[tuple[str | None, float]]:
        if not texts or not self.theme_ids:
            return [(None, 0.0) for _ in texts]
        stems = [content_stems(t) for t in texts]
        emb = normalize_rows(self.space.project(self.space.tfidf_of_stems(stems)))
        sims = emb @ self.centroids.T
        best = sims.argmax(axis=1)
        best_sim = sims[np.arange(len(texts)), best]
        out: list[tuple[str | None, float]] = []
        for st, b, s in zip(stems, best, best_sim, strict=True):
            short = len(st) <= self.one_liner_max_content_words
            ok = not short and s >= self.min_similarity
            out.append((self.theme_ids[int(b)] if ok else None, float(s)))
        return out

    def assign(self, contributions: Sequence[Contribution]) -> list[Assignment]:
        """Nearest theme of each contribution (whole text), or None."""
        res = self.assign_texts([c.text or "" for c in contributions])
        return [Assignment(c.id, t, round(s, 6)) for c, (t, s) in zip(contributions, res, strict=True)]

    def save(self, path: str | Path) -> None:
        """One .npz file (no pickle)."""
        np.savez_compressed(
            path,
            terms=np.array(self.space.terms, dtype=str),
            idf=self.space.idf,
            components=self.space.components,
            centroids=self.centroids,
            theme_ids=np.array(self.theme_ids, dtype=str),
            scalars=np.array([self.min_similarity, self.one_liner_max_content_words], dtype=np.float64),
        )

    @classmethod
    def load(cls, path: str | Path) -> ThemeModel:
        with np.load(path, allow_pickle=False) as z:
            space = TextSpace(terms=[str(t) for t in z["terms"]], idf=z["idf"], components=z["components"])
            scalars = z["scalars"]
            return cls(
                space=space,
                centroids=z["centroids"],
                theme_ids=[str(t) for t in z["theme_ids"]],
                min_similarity=float(scalars[0]),
                one_liner_max_content_words=int(scalars[1]),
            )
