"""Rare but distinct arguments: units that no large theme covers, ranked by distinctness × informativeness.

- distinctness = 1 − cosine(unit TF-IDF vector, nearest *large* theme centroid in SVD space). The
  unit's SVD coordinates are not renormalised, so content the shared space cannot express (words
  seen in few units) counts as distinct too.
- informativeness = 1 − exp(−m / 6), where m is the number of distinct content stems of the unit
  that are neither very common (in more than 1 % of units) nor stop words: a long, specific unit
  scores near 1, a short or generic one near 0.

Only units whose argument has at most ``max_authors`` authors are candidates: a campaign is not rare.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def informativeness(all_counts: sp.csr_matrix, all_df: np.ndarray, all_terms: list[str]) -> np.ndarray:
    n = all_counts.shape[0]
    unigram = np.array([" " not in t for t in all_terms], dtype=bool)
    specific = unigram & (all_df <= max(0.01 * n, 3))
    informative = all_counts[:, np.nonzero(specific)[0]] if specific.any() else sp.csr_matrix((n, 0))
    m = np.diff(informative.tocsr().indptr).astype(np.float64)
    return 1.0 - np.exp(-m / 6.0)


def rank_rare(
    projected: np.ndarray,
    centroids: np.ndarray,
    large: np.ndarray,
    info: np.ndarray,
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
    score = distinct * info
    candidate = (unit_authors <= max_authors) & (distinct >= min_distinctness) & (info > 0)
    order = np.nonzero(candidate)[0]
    order = order[np.argsort(-score[order], kind="stable")][:top]
    return [(int(u), float(distinct[u]), float(info[u]), float(score[u]), int(idx_large[best[u]])) for u in order]
