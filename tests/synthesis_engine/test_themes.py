"""Consensus clustering: the co-association matrix and the seed independence it gives the themes."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from terreau.synthesis.engine.representation import normalize_rows
from terreau.synthesis.engine.themes import co_association, consensus_cluster, refine, small_kmeans, warm_cluster


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
    # counted by batches of runs (sparse products), the counts are the same integers
    np.testing.assert_array_equal(co_association(emb, 6, seed=2, runs=5, batch=2), co)


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


def test_refine_with_a_margin_moves_only_units_another_theme_fits_much_better():
    emb = overlapping_blobs()
    start = small_kmeans(emb, 6, 0)[0]
    rng = np.random.default_rng(0)
    start[rng.choice(len(start), 40, replace=False)] = rng.integers(0, 6, 40)  # some units misplaced
    plain, _ = refine(emb, start, 20)
    kept, cents = refine(emb, start, 20, margin=0.1)
    # plain refinement ends at the nearest centroid; with a margin every unit is within 0.1 of it
    sims_plain = emb @ refine(emb, plain, 0)[1].T
    assert np.array_equal(plain, sims_plain.argmax(axis=1))
    sims = emb @ cents.T
    assert (sims.max(axis=1) - sims[np.arange(len(kept)), kept]).max() <= 0.1 + 1e-6
    assert adjusted_rand_score(kept, plain) > 0.5


def test_a_warm_start_with_the_same_margin_gives_back_a_refined_partition():
    emb = overlapping_blobs()
    labels, _ = refine(emb, consensus_cluster(emb, 6, 0, runs=50)[0], 20, margin=0.1)
    again, _, origin = warm_cluster(emb, labels, 6, seed=0, max_iter=1, margin=0.1)
    assert adjusted_rand_score(labels, again) == 1.0
    assert sorted(origin.tolist()) == list(range(6))
    # new units (-1) go to their nearest theme
    unknown = labels.copy()
    unknown[:10] = -1
    placed, cents, _ = warm_cluster(emb, unknown, 6, seed=0, max_iter=0, margin=0.1)
    assert adjusted_rand_score(labels[10:], placed[10:]) == 1.0
    assert np.array_equal(placed[:10], (emb[:10] @ cents.T).argmax(axis=1))
