"""Themes: clustering of argument units, class-based TF-IDF keywords, verbatims, sub-themes, stable ids."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from .representation import normalize_rows

KMEANS_FULL_MAX = 8_000  # above this many units, MiniBatchKMeans


def _by_size(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters by decreasing size, dropping empty ones; also the old ids in new order."""
    sizes = np.bincount(labels, minlength=k)
    order = np.argsort(-sizes, kind="stable")
    order = order[sizes[order] > 0]
    remap = np.full(k, -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    return remap[labels], order


def choose_k(n_units: int, min_k: int = 2, max_k: int = 40) -> int:
    """Number of themes from the number of units: about √n / 1.5, within [min_k, max_k]."""
    if n_units <= 1:
        return 1
    k = round(math.sqrt(n_units) / 1.5)
    return int(max(min(min_k, n_units), min(max_k, k, n_units)))


def cluster(embedding: np.ndarray, k: int, seed: int, runs: int = 1, n_init: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Labels (0..k-1, ordered by decreasing size) and unit-norm centroids of a spherical k-means.

    With ``runs`` > 1, k-means is run with ``runs`` different seeds and the *central* partition is kept:
    the one with the highest mean adjusted Rand index to the others (less dependent on the seed than
    the best-inertia run)."""
    n = embedding.shape[0]
    if k <= 1 or n <= 1:
        return np.zeros(n, dtype=np.int64), normalize_rows(embedding.mean(axis=0, keepdims=True))
    candidates = []
    n_init = n_init if runs <= 1 else max(1, n_init // 2)
    for r in range(max(1, runs)):
        if n <= KMEANS_FULL_MAX:
            km = KMeans(n_clusters=k, n_init=n_init, random_state=seed + 7919 * r, max_iter=300)
        else:
            km = MiniBatchKMeans(
                n_clusters=k, n_init=n_init, random_state=seed + 7919 * r, batch_size=4096, max_iter=100
            )
        candidates.append(km.fit_predict(embedding))
    if len(candidates) > 1:
        sample = np.random.default_rng(seed).choice(n, size=min(n, 20_000), replace=False)
        agree = np.zeros(len(candidates))
        for a in range(len(candidates)):
            for b in range(a + 1, len(candidates)):
                v = adjusted_rand_score(candidates[a][sample], candidates[b][sample])
                agree[a] += v
                agree[b] += v
        labels = candidates[int(np.argmax(agree))]
    else:
        labels = candidates[0]
    labels, order = _by_size(labels, k)
    centroids = np.vstack([embedding[labels == j].mean(axis=0) for j in range(len(order))])
    return labels, normalize_rows(centroids)


def co_association(
    embedding: np.ndarray, k: int, seed: int, runs: int, iterations: int = 15, batch: int = 50
) -> np.ndarray:
    """Share of ``runs`` spherical k-means partitions (numpy, k-means++ seeding, ``iterations`` Lloyd
    steps) in which each pair of units falls in the same cluster: an n × n float32 matrix.

    This matrix is a Monte-Carlo estimate; its noise (a standard error of ~0.07 per pair with 50 runs)
    is what made two independent runs cut it differently, so it is meant to be used with a few hundred
    runs. The counts of ``batch`` runs at a time are the product H·Hᵀ of their sparse one-hot
    memberships (n × batch·k), in scipy's C: the same integers as adding 1 to each cluster's block,
    at a sixth of the cost."""
    n = embedding.shape[0]
    co = np.zeros((n, n), dtype=np.float32)
    rows = np.arange(n)
    # the products are small: BLAS threads only add overhead (6x the CPU time on a busy 2-core machine)
    with threadpool_limits(limits=1, user_api="blas"):
        for first in range(0, runs, batch):
            chunk = range(first, min(first + batch, runs))
            cols = np.concatenate(
                [_kmeans_labels(embedding, k, seed * 1000 + r, iterations) + k * i for i, r in enumerate(chunk)]
            )
            member = sp.csr_array(
                (np.ones(len(cols), dtype=np.float32), (np.tile(rows, len(chunk)), cols)), shape=(n, k * len(chunk))
            )
            co += (member @ member.T).toarray()
    co /= max(1, runs)
    return co


def _kmeans_pp(embedding: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding on unit rows (cosine distance): k normalised centres."""
    n = embedding.shape[0]
    centers = [embedding[rng.integers(n)]]
    dist = 1.0 - embedding @ centers[0]
    for _ in range(1, k):
        p = np.clip(dist, 0, None) ** 2
        total = p.sum()
        i = int(rng.choice(n, p=p / total)) if total > 0 else int(rng.integers(n))
        centers.append(embedding[i])
        dist = np.minimum(dist, 1.0 - embedding @ embedding[i])
    return normalize_rows(np.vstack(centers))


def _kmeans_labels(embedding: np.ndarray, k: int, seed: int, iterations: int) -> np.ndarray:
    """The labels of ``small_kmeans`` (same seeding, same Lloyd steps, same stop), with the centroids
    updated by one matrix product instead of a loop over clusters: the consensus runs it hundreds of
    times. Labels are not renumbered by size."""
    n = embedding.shape[0]
    k = max(1, min(k, n))
    c = _kmeans_pp(embedding, k, np.random.default_rng(seed))
    labels = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    onehot = np.zeros((k, n), dtype=embedding.dtype)
    for it in range(iterations):
        new = (embedding @ c.T).argmax(axis=1)
        if it and np.array_equal(new, labels):
            break
        labels = new
        onehot[:] = 0
        onehot[labels, rows] = 1
        sums = onehot @ embedding
        filled = np.bincount(labels, minlength=k) > 0
        c[filled] = sums[filled]  # the direction of the sum is that of the mean; empty clusters stay
        c = normalize_rows(c)
    return labels


def consensus_cluster(embedding: np.ndarray, k: int, seed: int, runs: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Consensus clustering for corpora up to a few thousand units: the co-association of ``runs``
    k-means partitions with different seeds (``co_association``), then average-linkage agglomeration
    of 1 − co-association into k themes (deterministic given the matrix). With enough runs the matrix
    converges to its expectation, which depends on the data and not on the seed (measured on the
    Lille data, ARI across seeds: 50 runs 0.79, 1,000 runs 0.89). Memory is n² float32 (64 MB at 4,000
    units). Same output contract as ``cluster``."""
    n = embedding.shape[0]
    if k <= 1 or n <= 2:
        return cluster(embedding, k, seed)
    co = co_association(embedding, k, seed, runs)
    co = 1.0 - co
    labels = AgglomerativeClustering(n_clusters=k, metric="precomputed", linkage="average").fit_predict(co)
    del co
    labels, order = _by_size(labels, k)
    centroids = np.vstack([embedding[labels == j].mean(axis=0) for j in range(len(order))])
    return labels, normalize_rows(centroids)


def warm_cluster(
    embedding: np.ndarray, init_labels: np.ndarray, k: int, seed: int, max_iter: int = 300, margin: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """k-means started from the previous themes, for a recompute: ``init_labels`` gives each unit's
    previous theme (0..m-1, -1 when the unit is new). Each previous theme with members starts at the
    mean of their new embeddings, and up to k − m fresh centroids are added (k-means++ on the units
    far from every previous theme) so new topics can appear. Returns labels (ordered by decreasing
    size), unit-norm centroids, and for each final theme the previous theme it started from (-1: new).
    On a 90 % subsample this keeps the partition (ARI 0.97 on the Lille data with the keep margin, 0.90
    without) where an independent run moves it (0.78), because the starting point, not the seed,
    decides the local optimum.

    With ``margin`` > 0 (up to ``KMEANS_FULL_MAX`` units), the ``max_iter`` Lloyd iterations start from
    the previous labels with hysteresis: a unit keeps its previous theme unless another centroid is
    closer by more than ``margin`` (cosine); new units go to the nearest centroid. This is the rule
    of ``refine`` with the same margin, so a partition refined with it comes back unchanged when
    nothing moved."""
    n = embedding.shape[0]
    m = int(init_labels.max()) + 1 if len(init_labels) else 0
    starts, origin = [], []
    for q in range(m):
        members = embedding[init_labels == q]
        if len(members):
            starts.append(members.mean(axis=0))
            origin.append(q)
    c = normalize_rows(np.vstack(starts)) if starts else np.zeros((0, embedding.shape[1]), dtype=np.float32)
    rng = np.random.default_rng(seed)
    dist = 1.0 - (embedding @ c.T).max(axis=1) if len(c) else np.ones(n, dtype=np.float32)
    extra = []
    for _ in range(max(0, min(k, n) - len(c))):
        w = np.clip(dist, 0, None) ** 2
        if w.sum() <= 0:
            break
        i = int(rng.choice(n, p=w / w.sum()))
        extra.append(embedding[i])
        origin.append(-1)
        dist = np.minimum(dist, 1.0 - embedding @ embedding[i])
    if extra:
        c = normalize_rows(np.vstack([c, *extra])) if len(c) else normalize_rows(np.vstack(extra))
    kk = c.shape[0]
    if kk <= 1:
        return np.zeros(n, dtype=np.int64), normalize_rows(embedding.mean(axis=0, keepdims=True)), np.array(origin[:1])
    if margin > 0 and n <= KMEANS_FULL_MAX:
        row_of = np.full(max(m, 1), -1, dtype=np.int64)
        row_of[[q for q in origin if q >= 0]] = np.arange(len(starts))
        labels = np.where(init_labels >= 0, row_of[np.maximum(init_labels, 0)], -1)
        for it in range(max_iter + 1):
            new = _stay_or_move(embedding @ c.T, labels, margin)
            if it and np.array_equal(new, labels):
                break
            labels = new
            if it == max_iter:
                break
            c = _move_centroids(embedding, labels, c)
        labels, order = _by_size(labels, kk)
        centroids = np.vstack([embedding[labels == j].mean(axis=0) for j in range(len(order))])
        return labels, normalize_rows(centroids), np.asarray(origin, dtype=np.int64)[order]
    if n <= KMEANS_FULL_MAX:
        km = KMeans(n_clusters=kk, init=c, n_init=1, max_iter=max_iter)
    else:
        km = MiniBatchKMeans(
            n_clusters=kk, init=c, n_init=1, random_state=seed, batch_size=4096, max_iter=min(max_iter, 100)
        )
    labels = km.fit_predict(embedding)
    labels, order = _by_size(labels, kk)
    centroids = np.vstack([embedding[labels == j].mean(axis=0) for j in range(len(order))])
    return labels, normalize_rows(centroids), np.asarray(origin, dtype=np.int64)[order]


def _move_centroids(embedding: np.ndarray, labels: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Each centroid to the normalised mean of its members (an empty theme keeps its centroid)."""
    for j in range(len(c)):
        members = embedding[labels == j]
        if len(members):
            c[j] = members.mean(axis=0)
    return normalize_rows(c)


def _stay_or_move(sims: np.ndarray, labels: np.ndarray, margin: float) -> np.ndarray:
    """Nearest centroid of each unit, except that a unit keeps its current theme (``labels`` ≥ 0) unless
    another centroid is closer by more than ``margin`` (cosine). ``margin`` 0: plain nearest centroid."""
    best = sims.argmax(axis=1)
    if margin <= 0:
        return best
    rows = np.arange(len(labels))
    cur = np.maximum(labels, 0)
    move = (labels < 0) | (sims[rows, best] - sims[rows, cur] > margin)
    return np.where(move, best, labels)


def refine(
    embedding: np.ndarray, labels: np.ndarray, iterations: int, margin: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """A few Lloyd iterations of spherical k-means started from a partition, so that every unit ends in
    the theme of its nearest centroid — or, with ``margin`` > 0, within ``margin`` (cosine) of it: only
    units that another centroid fits better by more than ``margin`` move. A warm recompute started from
    these themes with the same margin (``warm_cluster``) then reproduces the partition, and the
    incremental assignment (nearest centroid) agrees with it except for units within the margin of a
    boundary. The margin keeps most of the consensus partition, which moves less with the sample than
    a Voronoi partition of the embedding. Labels ordered by decreasing size, unit-norm centroids."""
    k = int(labels.max()) + 1 if len(labels) else 0
    c = normalize_rows(np.vstack([embedding[labels == j].mean(axis=0) for j in range(k)]))
    for _ in range(iterations):
        new = _stay_or_move(embedding @ c.T, labels, margin)
        if np.array_equal(new, labels):
            break
        labels = new
        c = _move_centroids(embedding, labels, c)
    labels, order = _by_size(labels, k)
    centroids = np.vstack([embedding[labels == j].mean(axis=0) for j in range(len(order))])
    return labels, normalize_rows(centroids)


def small_kmeans(embedding: np.ndarray, k: int, seed: int, iters: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means in plain numpy (k-means++ seeding) for small problems such as sub-themes:
    no thread pool to start, so it stays fast on a busy machine. Same output contract as ``cluster``."""
    n = embedding.shape[0]
    k = max(1, min(k, n))
    c = _kmeans_pp(embedding, k, np.random.default_rng(seed))
    labels = np.zeros(n, dtype=np.int64)
    for it in range(iters):
        new = (embedding @ c.T).argmax(axis=1)
        if it and np.array_equal(new, labels):
            break
        labels = new
        c = _move_centroids(embedding, labels, c)
    labels, order = _by_size(labels, k)
    return labels, normalize_rows(c[order])


def class_tfidf(counts: sp.csr_matrix, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Class-based TF-IDF (classes × terms): term frequency in the class × log(1 + A / frequency overall)."""
    onehot = sp.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))), shape=(n_classes, len(labels))
    )
    tf = np.asarray((onehot @ counts).todense(), dtype=np.float64)
    totals = tf.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    freq = tf.sum(axis=0)
    avg = tf.sum() / max(n_classes, 1)
    idf = np.log(1.0 + avg / np.maximum(freq, 1.0))
    return (tf / totals) * idf[None, :]


def top_terms(
    weights: np.ndarray, terms: Sequence[str], n_words: int, n_pairs: int, surface: dict[str, str]
) -> tuple[list[str], list[str]]:
    """Readable keywords (single words) and bigrams from one row of class TF-IDF."""
    order = np.argsort(-weights, kind="stable")
    words: list[str] = []
    pairs: list[str] = []
    for i in order:
        if weights[i] <= 0 or (len(words) >= n_words and len(pairs) >= n_pairs):
            break
        term = terms[i]
        if " " in term:
            if len(pairs) < n_pairs:
                pairs.append(" ".join(surface.get(p, p) for p in term.split(" ")))
        elif len(words) < n_words:
            words.append(surface.get(term, term))
    return words, pairs


def term_profile(weights: np.ndarray, terms: Sequence[str], n: int = 30) -> list[tuple[str, float]]:
    order = np.argsort(-weights, kind="stable")[:n]
    top = [(terms[i], float(weights[i])) for i in order if weights[i] > 0]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return [(t, round(w / norm, 6)) for t, w in top]


def profile_similarity(a: Sequence[tuple[str, float]], b: Sequence[tuple[str, float]]) -> float:
    da = dict(a)
    return float(sum(w * da.get(t, 0.0) for t, w in b))


def match_ids(
    new_profiles: Sequence[Sequence[tuple[str, float]]],
    old: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    min_similarity: float,
) -> list[str]:
    """Theme ids for new themes: the id of the previous theme they match (Hungarian assignment on the
    cosine similarity of their term profiles, kept when >= ``min_similarity``), else a fresh id."""
    ids: list[str | None] = [None] * len(new_profiles)
    if old and new_profiles:
        sim = np.array([[profile_similarity(p, q) for _, q in old] for p in new_profiles])
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols, strict=True):
            if sim[r, c] >= min_similarity:
                ids[r] = old[c][0]
    used = {i for i in ids if i}
    used.update(o for o, _ in old)
    next_n = 1 + max((int(u[1:]) for u in used if u[1:].isdigit()), default=0)
    out = []
    for i in ids:
        if i is None:
            i = f"T{next_n}"
            next_n += 1
        out.append(i)
    return out


@dataclass(slots=True)
class Clustering:
    labels: np.ndarray  # per unit, -1 when the unit has no usable term
    centroids: np.ndarray
    k: int
