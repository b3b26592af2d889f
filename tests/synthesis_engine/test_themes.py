"""Consensus clustering: the co-association matrix and the seed independence it gives the themes."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from terreau.synthesis.engine.representation import normalize_rows
from terreau.synthesis.engine.themes import co_association, consensus_cluster, small_kmeans


def overlapping_blobs(n: int = 240, k: int = 6, dim: int = 12, spread: float = 0.3) -> np.ndarray:
    """Unit vectors around k directions, spread enough that single k-means runs disagree."""
    rng = np.random.default_rng(3)
    centers = rng.normal(size=(k, dim))
    points = centers[np.arange(n) % k] + spread * rng.normal(size=(n, dim)) * np.linalg.norm(centers, axis=1).mean()
    return normalize_rows(points.astype(np.float32))


def test_co_association_is_the_share_of_runs_in_which_two_units_are_together():
    emb = overlapping_blobs()
    co = co_association(emb, 6, seed=2, runs=5)
    assert co.shape == (240, 240) and co.dtype == np.float32
    np.testing.assert_allclose(co, co.T)
    np.testing.assert_allclose(np.diag(co), 1.0)
    together = sum(
        (lab[:, None] == lab[None, :]).astype(np.float32)
        for lab in (small_kmeans(emb, 6, 2000 + r, 15)[0] for r in range(5))
    )
    np.testing.assert_allclose(co, together / 5, atol=1e-6)


def test_single_kmeans_runs_disagree_but_the_consensus_does_not_depend_on_the_seed():
    emb = overlapping_blobs()
    single = [small_kmeans(emb, 6, seed)[0] for seed in (0, 1, 2)]
    consensus = [consensus_cluster(emb, 6, seed, runs=200)[0] for seed in (0, 1, 2)]
    single_ari = np.mean([adjusted_rand_score(single[a], single[b]) for a, b in ((0, 1), (0, 2), (1, 2))])
    consensus_ari = min(adjusted_rand_score(consensus[a], consensus[b]) for a, b in ((0, 1), (0, 2), (1, 2)))
    assert single_ari < 0.9  # the blobs overlap: the seed moves a single k-means
    assert consensus_ari >= 0.95
    # the noise of the co-association shrinks with the number of runs
    few = np.abs(co_association(emb, 6, 0, runs=10) - co_association(emb, 6, 1, runs=10)).mean()
    many = np.abs(co_association(emb, 6, 0, runs=200) - co_association(emb, 6, 1, runs=200)).mean()
    assert many < few / 2
