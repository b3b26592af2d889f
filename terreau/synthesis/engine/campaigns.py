"""Exact duplicates and near-duplicate campaigns.

Texts are compared on their *word pairs*: ordered pairs of content stems at most three positions
apart (stop words dropped, Snowball stems, accents folded), so case, punctuation, accents, articles,
greetings and single dropped words barely matter.

1. Exact duplicates share the same normalised text (``text.normalize``).
2. Candidate near-duplicates come from MinHash signatures (``minhash_perm`` hash functions over the
   ids of consecutive word pairs) cut into ``lsh_bands`` bands: two texts whose band hashes collide once are candidates.
   Within a bucket only a chain and a star of pairs are checked, so a 10,000-copy campaign costs
   O(10,000) checks, not O(10,000²).
3. A candidate pair is kept when the word pairs they share cover at least ``containment`` of the
   shorter text (robust to truncation, added greetings and dropped words), at least a quarter of the
   longer one (a short sentence quoted in a long text is not a copy) and number at least ``min_shared``.
4. Kept pairs are joined by connected components (union-find).

Memory and time are linear in the total number of word pairs; nothing is O(n²).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

_MASK32 = np.uint64(32)
# a short text quoted inside a long one is a quote, not a copy: the shared pairs must also be this share
# of the longer text (a copy truncated to half its length still shares ~40 % of the original)
MIN_SHARE_OF_LONGER = 0.25
# short texts (fewer than this many word pairs, i.e. about 4 content words) share 3 pairs by chance
# ("prendre en compte le vote blanc"): they must share most of their pairs
SHORT_TEXT_PAIRS = 10
SHORT_TEXT_CONTAINMENT = 0.8


def shingles_of(stems: Sequence[str], window: int = 3) -> set[str]:
    """Ordered pairs of content stems at most ``window`` positions apart ("skip-bigrams"): a dropped or
    inserted word keeps the pair that spans it. (Reference implementation of ``shingle_matrix``.)"""
    out = set()
    for d in range(1, window + 1):
        out.update(f"{a} {b}" for a, b in zip(stems, stems[d:], strict=False))
    return out


def shingle_matrix(stem_lists: Sequence[Sequence[str]], window: int = 3) -> sp.csr_matrix:
    """Binary texts × skip-bigrams matrix, built with array operations (one dict lookup per word)."""
    n = len(stem_lists)
    vocab: dict[str, int] = {}
    ids = np.fromiter((vocab.setdefault(s, len(vocab)) for stems in stem_lists for s in stems), dtype=np.int64)
    lengths = np.fromiter((len(stems) for stems in stem_lists), dtype=np.int64, count=n)
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    v = max(len(vocab), 1)
    docs, codes = [], []
    for d in range(1, window + 1):
        same = doc[:-d] == doc[d:] if len(doc) > d else np.zeros(0, dtype=bool)
        docs.append(doc[:-d][same])
        codes.append(ids[:-d][same] * v + ids[d:][same])
    doc_all = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    code_all = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    uniq, cols = np.unique(code_all, return_inverse=True)
    m = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (doc_all, cols.ravel())), shape=(n, max(len(uniq), 1)))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def minhash_signatures(shingles: sp.csr_matrix, n_perm: int, seed: int, chunk: int = 400_000) -> np.ndarray:
    """MinHash signatures (rows × n_perm, uint32) with multiply-shift hashing; empty rows get max values."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=n_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=n_perm, dtype=np.uint64)
    n = shingles.shape[0]
    sig = np.full((n, n_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    indptr = shingles.indptr
    ids = shingles.indices.astype(np.uint64) + np.uint64(1)
    start_row = 0
    while start_row < n:
        # rows [start_row, end_row) holding at most ~chunk shingles
        end_row = int(np.searchsorted(indptr, indptr[start_row] + chunk, side="right"))
        end_row = max(end_row - 1, start_row + 1)
        end_row = min(end_row, n)
        lo, hi = indptr[start_row], indptr[end_row]
        if hi > lo:
            with np.errstate(over="ignore"):
                h = ((ids[lo:hi, None] * a[None, :] + b[None, :]) >> _MASK32).astype(np.uint32)
            lengths = np.diff(indptr[start_row : end_row + 1])
            nonempty = np.nonzero(lengths)[0]
            starts = indptr[start_row:end_row][nonempty] - lo
            sig[start_row + nonempty] = np.minimum.reduceat(h, starts, axis=0)
        start_row = end_row
    return sig


def candidate_pairs(sig: np.ndarray, bands: int, valid: np.ndarray) -> np.ndarray:
    """Pairs (k × 2, i < j) of rows whose signatures collide in at least one band."""
    _n, n_perm = sig.shape
    rows = max(n_perm // bands, 1)
    idx = np.nonzero(valid)[0]
    if len(idx) < 2:
        return np.empty((0, 2), dtype=np.int64)
    out = []
    prime = np.uint64(0x9E3779B97F4A7C15)
    for band in range(bands):
        cols = sig[idx, band * rows : (band + 1) * rows].astype(np.uint64)
        key = np.zeros(len(idx), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for c in range(cols.shape[1]):
                key = key * prime + cols[:, c]
        order = np.argsort(key, kind="stable")
        ks = key[order]
        same = ks[1:] == ks[:-1]
        if not same.any():
            continue
        # chain pairs: consecutive members of a bucket
        left = order[:-1][same]
        right = order[1:][same]
        out.append(np.stack([idx[left], idx[right]], axis=1))
        # star pairs: every member with the first member of its bucket
        run_start = np.r_[True, ~same]
        first_pos = np.maximum.accumulate(np.where(run_start, np.arange(len(ks)), 0))
        member = np.nonzero(~run_start)[0]
        star = np.stack([idx[order[first_pos[member]]], idx[order[member]]], axis=1)
        out.append(star)
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(out)
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def verify_pairs(
    shingles: sp.csr_matrix, pairs: np.ndarray, containment: float, min_shared: int, chunk: int = 200_000
) -> np.ndarray:
    """Boolean mask of the pairs that share enough word pairs."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=bool)
    sizes = np.diff(shingles.indptr)
    keep = np.zeros(len(pairs), dtype=bool)
    for lo in range(0, len(pairs), chunk):
        p = pairs[lo : lo + chunk]
        shared = np.asarray(shingles[p[:, 0]].multiply(shingles[p[:, 1]]).sum(axis=1)).ravel()
        smaller = np.minimum(sizes[p[:, 0]], sizes[p[:, 1]])
        larger = np.maximum(sizes[p[:, 0]], sizes[p[:, 1]])
        needed = np.where(smaller < SHORT_TEXT_PAIRS, SHORT_TEXT_CONTAINMENT, containment) * smaller
        keep[lo : lo + chunk] = (shared >= min_shared) & (shared >= needed) & (shared >= MIN_SHARE_OF_LONGER * larger)
    return keep


def near_duplicate_groups(
    stem_lists: Sequence[Sequence[str]],
    *,
    n_perm: int = 64,
    bands: int = 32,
    containment: float = 0.35,
    min_shared: int = 3,
    window: int = 3,
    seed: int = 0,
) -> np.ndarray:
    """Group label for each text (texts that are near-duplicates of each other share a label).

    Labels are consecutive integers ordered by first appearance, so the result is deterministic.
    """
    n = len(stem_lists)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    shingles = shingle_matrix(stem_lists, window)
    sizes = np.diff(shingles.indptr)
    valid = sizes >= min_shared
    # candidates from the plain word pairs (a third of the skip-bigrams: cheaper signatures)
    sig = minhash_signatures(shingle_matrix(stem_lists, 1), n_perm, seed)
    pairs = candidate_pairs(sig, bands, valid)
    keep = verify_pairs(shingles, pairs, containment, min_shared)
    pairs = pairs[keep]
    graph = sp.coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return _relabel_by_first_appearance(labels)


def _relabel_by_first_appearance(labels: np.ndarray) -> np.ndarray:
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    mapping = np.empty(len(first), dtype=np.int64)
    mapping[order] = np.arange(len(first))
    _, inverse = np.unique(labels, return_inverse=True)
    return mapping[inverse]
