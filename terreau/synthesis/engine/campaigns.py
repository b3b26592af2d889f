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

import sys
from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(slots=True)
class Shingles:
    """Ragged rows of hashed shingles: row ``i`` holds ``indices[indptr[i]:indptr[i + 1]]``, sorted and
    unique (32-bit hashes of the stem-pair codes). Like a binary CSR matrix's ``indptr``/``indices``,
    without a column dictionary: memory is 4 bytes per shingle and nothing is ever O(vocabulary²)."""

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # uint32

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.indptr) - 1, 2**32)

    def sizes(self) -> np.ndarray:
        return np.diff(self.indptr)


_MIX = np.uint64(0x9E3779B97F4A7C15)


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for a 1-d array, by sorting: numpy 2.5's plain ``np.unique`` goes through a hash
    table first and is ~40× slower on millions of 64-bit integers."""
    if len(a) < 2:
        return a.copy()
    s = np.sort(a)
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def stem_ids(stem_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, int]:
    """(flat stem ids int32, stems per text int64, number of distinct stems): one dict lookup per word."""
    vocab: dict[str, int] = {}
    total = sum(len(s) for s in stem_lists)
    ids = np.fromiter(
        (vocab.setdefault(s, len(vocab)) for stems in stem_lists for s in stems), dtype=np.int32, count=total
    )
    lengths = np.fromiter((len(stems) for stems in stem_lists), dtype=np.int64, count=len(stem_lists))
    return ids, lengths, max(len(vocab), 1)


def shingle_rows(
    ids: np.ndarray, lengths: np.ndarray, n_stems: int, window: int = 3, chunk_words: int = 2_000_000
) -> Shingles:
    """Skip-bigram shingles of every text (``window`` = 1: consecutive pairs only), built by row chunks
    of about ``chunk_words`` words so the temporary arrays stay small whatever the corpus size."""
    n = len(lengths)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    parts: list[np.ndarray] = []
    counts = np.zeros(n, dtype=np.int64)
    v = np.uint64(n_stems)
    r0 = 0
    while r0 < n:
        r1 = int(np.searchsorted(offsets, offsets[r0] + chunk_words, side="right")) - 1
        r1 = min(max(r1, r0 + 1), n)
        lo, hi = offsets[r0], offsets[r1]
        chunk_ids = ids[lo:hi].astype(np.uint64)
        doc = np.repeat(np.arange(r1 - r0, dtype=np.uint64), lengths[r0:r1])
        keys = []
        for d in range(1, window + 1):
            if len(doc) <= d:
                break
            same = doc[:-d] == doc[d:]
            with np.errstate(over="ignore"):
                code = (chunk_ids[:-d][same] * v + chunk_ids[d:][same] + np.uint64(1)) * _MIX
            keys.append((doc[:-d][same] << _MASK32) | (code >> _MASK32))
        if keys:
            key = sorted_unique(np.concatenate(keys))
            del keys
            counts[r0:r1] = np.bincount((key >> _MASK32).astype(np.int64), minlength=r1 - r0)
            parts.append((key & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        r0 = r1
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    return Shingles(indptr=indptr, indices=indices)


def shingle_matrix(stem_lists: Sequence[Sequence[str]], window: int = 3) -> Shingles:
    """Hashed skip-bigram shingles of each text (see ``shingle_rows``)."""
    ids, lengths, v = stem_ids(stem_lists)
    return shingle_rows(ids, lengths, v, window)


def minhash_signatures(shingles: Shingles, n_perm: int, seed: int, chunk: int = 8_192) -> np.ndarray:
    """MinHash signatures (rows × n_perm, uint32) with multiply-shift hashing; empty rows get max values.

    Hashes are computed for about ``chunk`` shingles at a time in one reused buffer that stays in the
    processor's cache (4× faster than whole-corpus temporaries); the high 32 bits of each 64-bit
    product are read in place through a view instead of shifted and copied."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=n_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=n_perm, dtype=np.uint64)
    indptr = shingles.indptr
    n = len(indptr) - 1
    sig = np.full((n, n_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    buffer = np.empty((chunk, n_perm), dtype=np.uint64)
    high_half = 1 if sys.byteorder == "little" else 0
    start_row = 0
    while start_row < n:
        # rows [start_row, end_row) holding at most ~chunk shingles (or one longer row)
        end_row = int(np.searchsorted(indptr, indptr[start_row] + chunk, side="right"))
        end_row = min(max(end_row - 1, start_row + 1), n)
        lo, hi = indptr[start_row], indptr[end_row]
        if hi > lo:
            ids = shingles.indices[lo:hi].astype(np.uint64) + np.uint64(1)
            h = buffer[: hi - lo] if hi - lo <= chunk else np.empty((hi - lo, n_perm), dtype=np.uint64)
            np.multiply(ids[:, None], a[None, :], out=h)  # wraps modulo 2**64, as intended
            h += b
            top = h.view(np.uint32)[:, high_half::2]
            lengths = np.diff(indptr[start_row : end_row + 1])
            nonempty = np.nonzero(lengths)[0]
            starts = indptr[start_row:end_row][nonempty] - lo
            sig[start_row + nonempty] = np.minimum.reduceat(top, starts, axis=0)
        start_row = end_row
    return sig


def candidate_pairs(sig: np.ndarray, bands: int, valid: np.ndarray) -> np.ndarray:
    """Pairs (k × 2, i < j) of rows whose signatures collide in at least one band."""
    n, n_perm = sig.shape
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
        left = idx[order[:-1][same]]
        right = idx[order[1:][same]]
        # star pairs: every member with the first member of its bucket
        run_start = np.r_[True, ~same]
        first_pos = np.maximum.accumulate(np.where(run_start, np.arange(len(ks)), 0))
        member = np.nonzero(~run_start)[0]
        for x, y in ((left, right), (idx[order[first_pos[member]]], idx[order[member]])):
            lo_, hi_ = np.minimum(x, y), np.maximum(x, y)
            keep = lo_ != hi_
            out.append(sorted_unique(lo_[keep] * n + hi_[keep]))  # one int64 per pair: half the memory of (i, j)
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    codes = sorted_unique(np.concatenate(out))
    del out
    return np.stack([codes // n, codes % n], axis=1)


def shared_counts(shingles: Shingles, pairs: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Number of shingles each pair of rows has in common (rows are sorted and unique): the row-wise
    product of the two rows as binary sparse vectors, by scipy's sorted-merge in C."""
    out = np.zeros(len(pairs), dtype=np.int64)
    if len(pairs) == 0:
        return out
    n = len(shingles.indptr) - 1
    matrix = sp.csr_array(
        (np.ones(len(shingles.indices), dtype=np.int32), shingles.indices.astype(np.int64), shingles.indptr),
        shape=(n, 2**32),
    )
    matrix.has_sorted_indices = True
    for lo in range(0, len(pairs), chunk):
        p = pairs[lo : lo + chunk]
        out[lo : lo + chunk] = matrix[p[:, 0]].multiply(matrix[p[:, 1]]).sum(axis=1)
    return out


def verify_pairs(shingles: Shingles, pairs: np.ndarray, containment: float, min_shared: int) -> np.ndarray:
    """Boolean mask of the pairs that share enough word pairs."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=bool)
    sizes = shingles.sizes()
    shared = shared_counts(shingles, pairs)
    smaller = np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]])
    larger = np.maximum(sizes[pairs[:, 0]], sizes[pairs[:, 1]])
    needed = np.where(smaller < SHORT_TEXT_PAIRS, SHORT_TEXT_CONTAINMENT, containment) * smaller
    return (shared >= min_shared) & (shared >= needed) & (shared >= MIN_SHARE_OF_LONGER * larger)


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
    ids, lengths, v = stem_ids(stem_lists)
    # candidates from the plain word pairs (a third of the skip-bigrams: cheaper signatures)
    consecutive = shingle_rows(ids, lengths, v, 1)
    sig = minhash_signatures(consecutive, n_perm, seed)
    del consecutive
    shingles = shingle_rows(ids, lengths, v, window)
    del ids
    valid = shingles.sizes() >= min_shared
    pairs = candidate_pairs(sig, bands, valid)
    del sig
    pairs = pairs[verify_pairs(shingles, pairs, containment, min_shared)]
    del shingles
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
