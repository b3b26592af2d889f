"""Rare but distinct arguments: units that no large theme covers, ranked by distinctness × informativeness × novelty.

- distinctness = 1 − cosine(unit TF-IDF vector, nearest *large* theme centroid in SVD space). The
  unit's SVD coordinates are not renormalised, and they are scaled by the share of the unit's
  TF-IDF mass that the vocabulary holds, so content the shared space cannot express (words seen in
  a single unit, outside the SVD) counts as distinct too.
- informativeness = 1 − exp(−m / 6), where m is the number of distinct content stems of the unit
  that are neither very common (in more than 1 % of units) nor stop words: a long, specific unit
  scores near 1, a short or generic one near 0.

- novelty = share of the unit's distinct content stems that at most 2 units use (document frequency):
  what the debate does not talk about at all.

score = distinctness × informativeness × novelty. Only units whose argument has at most ``max_authors``
authors are candidates: a campaign is not rare.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _distinct_terms(all_counts: sp.csr_matrix, mask: np.ndarray) -> np.ndarray:
    n = all_counts.shape[0]
    sub = all_counts[:, np.nonzero(mask)[0]] if mask.any() else sp.csr_matrix((n, 0))
    return np.diff(sub.tocsr().indptr).astype(np.float64)


def informativeness(all_counts: sp.csr_matrix, all_df: np.ndarray, all_terms: list[str]) -> np.ndarray:
    n = all_counts.shape[0]
    unigram = np.array([" " not in t for t in all_terms], dtype=bool)
    m = _distinct_terms(all_counts, unigram & (all_df <= max(0.01 * n, 3)))
    return 1.0 - np.exp(-m / 6.0)


def novelty(all_counts: sp.csr_matrix, all_df: np.ndarray, all_terms: list[str], max_df: int = 2) -> np.ndarray:
    """Share of a unit's distinct content stems that (almost) nobody else used (document frequency <= max_df)."""
    unigram = np.array([" " not in t for t in all_terms], dtype=bool)
    total = _distinct_terms(all_counts, unigram)
    rare = _distinct_terms(all_counts, unigram & (all_df <= max_df))
    total[total == 0] = 1.0
    return rare / total


def rank_rare(
    projected: np.ndarray,
    centroids: np.ndarray,
    large: np.ndarray,
    info: np.ndarray,
    new: np.ndarray,
    unit_authors: np.ndarray,
    *,
    max_authors: int,
    min_distinctness: float,
    top: int,
) -> list[tuple[int, float, float, float, int]]:
    """(unit index, distinctness, informativeness, score, nearest large centroid index), best first."""
    if projected.shape[0] == 0 or not large.any():
        return []
    idx_large = np.nonzero(large)[0]
    sims = projected @ centroids[idx_large].T
    best = sims.argmax(axis=1)
    distinct = 1.0 - np.clip(sims[np.arange(len(best)), best], 0.0, 1.0)
    score = distinct * info * new
    candidate = (unit_authors <= max_authors) & (distinct >= min_distinctness) & (info > 0)
    order = np.nonzero(candidate)[0]
    order = order[np.argsort(-score[order], kind="stable")][:top]
    return [(int(u), float(distinct[u]), float(info[u]), float(score[u]), int(idx_large[best[u]])) for u in order]
