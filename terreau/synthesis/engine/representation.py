"""The vector space of argument units: TF-IDF over stems and stem pairs, reduced by truncated SVD.

``fit_space`` learns the vocabulary, the idf weights and the SVD components from the units of one
synthesis; the resulting ``TextSpace`` embeds new texts the same way (incremental assignment).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

from .text import content_stems


def features(stems: Sequence[str]) -> list[str]:
    """Unigram stems plus consecutive stem pairs ("transport commun")."""
    return [*stems, *(f"{a} {b}" for a, b in itertools.pairwise(stems))]


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    x = counts.astype(np.float32, copy=True)
    x.data = 1.0 + np.log(x.data)
    x = x @ sp.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


@dataclass(slots=True)
class TextSpace:
    terms: list[str]
    idf: np.ndarray  # (n_terms,)
    components: np.ndarray  # (n_components, n_terms)
    _vocabulary: dict[str, int] | None = field(default=None, repr=False, compare=False)

    @property
    def vocabulary(self) -> dict[str, int]:
        if self._vocabulary is None:
            self._vocabulary = {t: i for i, t in enumerate(self.terms)}
        return self._vocabulary

    def tfidf_from_counts(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        return _tfidf(counts, self.idf)

    def tfidf_of_stems(self, stem_lists: Sequence[list[str]]) -> sp.csr_matrix:
        vocab = self.vocabulary
        indptr, indices = [0], []
        for stems in stem_lists:
            indices.extend(i for f in features(stems) if (i := vocab.get(f)) is not None)
            indptr.append(len(indices))
        counts = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(stem_lists), len(self.terms)),
        )
        counts.sum_duplicates()
        return self.tfidf_from_counts(counts)

    def tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.tfidf_of_stems([content_stems(t) for t in texts])

    def project(self, tfidf: sp.csr_matrix) -> np.ndarray:
        """SVD coordinates, *not* renormalised: their norm says how much of the text the space explains."""
        return np.asarray(tfidf @ self.components.T, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return normalize_rows(self.project(self.tfidf(texts)))


def normalize_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


@dataclass(slots=True)
class FittedSpace:
    space: TextSpace
    counts: sp.csr_matrix  # units × space terms (raw counts)
    embedding: np.ndarray  # SVD coordinates, unit norm (float32)
    norms: np.ndarray  # norm of the raw SVD coordinates: how much of the unit the space explains
    vocab_mass: np.ndarray  # share of each unit's TF-IDF mass (over every feature) that the vocabulary holds
    informativeness: np.ndarray  # see rare.py
    novelty: np.ndarray

    @property
    def projected(self) -> np.ndarray:
        """Raw SVD coordinates (recomputed on demand: only the unit-norm ones are kept)."""
        return self.embedding * self.norms[:, None]


EXACT_SVD_MAX_UNITS = 20_000

# Features are integer codes, never strings: stem id s for a stem, n_stems + a·n_stems + b for the pair
# (a, b). Strings are built only for the terms kept in the vocabulary.
_ROW_SHIFT = np.int64(40)  # codes stay below 2**40 for up to ~1 million distinct stems


def _stem_ids(stem_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    vocab: dict[str, int] = {}
    total = sum(len(s) for s in stem_lists)
    ids = np.fromiter(
        (vocab.setdefault(s, len(vocab)) for stems in stem_lists for s in stems), dtype=np.int64, count=total
    )
    lengths = np.fromiter((len(s) for s in stem_lists), dtype=np.int64, count=len(stem_lists))
    return ids, lengths, list(vocab)


def _chunks(lengths: np.ndarray, chunk_words: int) -> list[tuple[int, int, int, int]]:
    """(first row, end row, first word, end word) of consecutive row chunks of about ``chunk_words`` words."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    out = []
    r0 = 0
    while r0 < len(lengths):
        r1 = int(np.searchsorted(offsets, offsets[r0] + chunk_words, side="right")) - 1
        r1 = min(max(r1, r0 + 1), len(lengths))
        out.append((r0, r1, int(offsets[r0]), int(offsets[r1])))
        r0 = r1
    return out


def _row_features(ids: np.ndarray, lengths: np.ndarray, v: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, feature code, count) of a chunk, sorted by row then code."""
    doc = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    same = doc[:-1] == doc[1:] if len(doc) > 1 else np.zeros(0, dtype=bool)
    pair = v + ids[:-1][same] * v + ids[1:][same]
    key = np.concatenate([(doc << _ROW_SHIFT) | ids, (doc[:-1][same] << _ROW_SHIFT) | pair])
    key, cnt = np.unique(key, return_counts=True)
    return key >> _ROW_SHIFT, key & ((np.int64(1) << _ROW_SHIFT) - 1), cnt


def _merge_df(
    codes: np.ndarray, df: np.ndarray, new_codes: np.ndarray, new_df: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique codes and their summed document frequencies."""
    allc = np.concatenate([codes, new_codes])
    alld = np.concatenate([df, new_df.astype(np.int64)])
    if len(allc) == 0:
        return allc, alld
    order = np.argsort(allc, kind="stable")
    allc, alld = allc[order], alld[order]
    start = np.r_[True, allc[1:] != allc[:-1]]
    return allc[start], np.add.reduceat(alld, np.nonzero(start)[0])


def fit_space(
    stem_lists: Sequence[Sequence[str]],
    *,
    min_df: int,
    max_df: float,
    n_components: int,
    seed: int,
    svd_sample: int = 200_000,
    chunk_words: int = 4_000_000,
    svd_pairs: bool = True,
    spectrum_power: float = 1.0,
) -> FittedSpace:
    """Fit vocabulary, idf and SVD on the units' content stems (unigrams and consecutive pairs).

    Memory stays linear and modest at a million units: features are integer codes processed in row
    chunks, only the vocabulary columns are kept as a sparse matrix, and above ``svd_sample`` units
    the SVD is fitted on a seeded random sample of that many units and applied to all of them.

    With ``svd_pairs=False`` the SVD components are learned from the unigram columns only (their
    loadings on stem pairs are zero): pairs stay in the vocabulary (keywords, bigrams) but do not
    shape the embedding. Most pairs occur in a handful of units, so which of them exist, and the
    directions they pull the components to, change with the sample; the unigram-only space moves
    less when 10 % of the contributions are left out (see docs/benchmarks.md, Stability).

    With ``spectrum_power`` p > 1 the components are scaled by (σ_j / σ_1)^(p − 1), so a unit's
    coordinates are its SVD coordinates times (σ_j / σ_1)^(p − 1) and the cosine between units leans on
    the leading components (p = 2: they weigh as σ_j² instead of σ_j). The leading directions are the
    ones a 90 % subsample finds again; the trailing ones, with close singular values, rotate with the
    sample. ``norms`` stay those of the unscaled coordinates (the share of the unit the space explains)."""
    n = len(stem_lists)
    ids, lengths, stem_names = _stem_ids(stem_lists)
    v = max(len(stem_names), 1)
    chunks = _chunks(lengths, chunk_words)
    # pass 1: document frequency of every feature
    codes = np.zeros(0, dtype=np.int64)
    df = np.zeros(0, dtype=np.int64)
    for r0, r1, w0, w1 in chunks:
        _, c, _ = _row_features(ids[w0:w1], lengths[r0:r1], v)
        codes, df = _merge_df(codes, df, *np.unique(c, return_counts=True))
    keep = (df >= min(min_df, max(1, n // 2))) & (df <= max(max_df * n, 2))
    if keep.sum() < 2:
        keep = df >= 1
    col_of = np.full(len(codes), -1, dtype=np.int64)
    col_of[keep] = np.arange(int(keep.sum()))
    kept = codes[keep]
    terms = [stem_names[c] if c < v else f"{stem_names[(c - v) // v]} {stem_names[(c - v) % v]}" for c in kept.tolist()]
    all_idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    idf = all_idf[keep]
    common = df > max(0.01 * n, 3)
    # pass 2: vocabulary counts, and the per-unit figures the rare-argument ranking needs
    data = [np.zeros(0, dtype=np.float32)]
    indices = [np.zeros(0, dtype=np.int32)]
    indptr_parts = [np.zeros(1, dtype=np.int64)]
    vocab_mass = np.zeros(n, dtype=np.float32)
    n_specific = np.zeros(n, dtype=np.float64)
    n_unique = np.zeros(n, dtype=np.float64)
    n_unigrams = np.zeros(n, dtype=np.float64)
    for r0, r1, w0, w1 in chunks:
        rows, c, cnt = _row_features(ids[w0:w1], lengths[r0:r1], v)
        pos = np.searchsorted(codes, c)
        cols = col_of[pos]
        w2 = ((1.0 + np.log(cnt)) * all_idf[pos]) ** 2
        inside = cols >= 0
        nr = r1 - r0
        total = np.bincount(rows, weights=w2, minlength=nr)
        part = np.bincount(rows[inside], weights=w2[inside], minlength=nr)
        total[total == 0] = 1.0
        vocab_mass[r0:r1] = np.sqrt(part / total)
        uni = c < v
        n_unigrams[r0:r1] = np.bincount(rows[uni], minlength=nr)
        n_specific[r0:r1] = np.bincount(rows[uni & ~common[pos]], minlength=nr)
        n_unique[r0:r1] = np.bincount(rows[uni & (df[pos] <= 2)], minlength=nr)
        data.append(cnt[inside].astype(np.float32))
        indices.append(cols[inside].astype(np.int32))
        indptr_parts.append(np.cumsum(np.bincount(rows[inside], minlength=nr)) + indptr_parts[-1][-1])
        del rows, c, cnt, pos, cols, w2
    del ids, codes, df, col_of, all_idf
    counts = sp.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.concatenate(indptr_parts)), shape=(n, len(terms))
    )
    del data, indices
    svd_cols = np.nonzero(kept < v)[0] if not svd_pairs else np.arange(len(terms))
    if len(svd_cols) < 3:
        svd_cols = np.arange(len(terms))
    del kept
    k = min(n_components, len(svd_cols) - 1, n - 1)
    if k >= 2:
        rows = np.arange(n)
        if n > svd_sample:
            rows = np.sort(np.random.default_rng(seed).choice(n, size=svd_sample, replace=False))
        # small corpora: exact (ARPACK) components, so the space does not depend on the seed and only
        # the clustering does; large ones: randomized, on the sample
        algorithm = "arpack" if len(rows) <= EXACT_SVD_MAX_UNITS else "randomized"
        svd = TruncatedSVD(n_components=k, algorithm=algorithm, n_iter=5, random_state=seed)
        x = _tfidf(counts[rows], idf)
        if len(svd_cols) < len(terms):
            x = x[:, svd_cols]
        svd.fit(x)
        del x
        components = np.zeros((k, len(terms)), dtype=np.float32)
        weights = np.ones(k, dtype=np.float32)
        sigma = svd.singular_values_
        if spectrum_power != 1.0 and sigma.size and sigma.max() > 0:
            weights = np.maximum(sigma / sigma.max(), 1e-6).astype(np.float32) ** np.float32(spectrum_power - 1.0)
        components[:, svd_cols] = svd.components_ * weights[:, None]
        del svd
    else:
        components = np.eye(len(terms), dtype=np.float32)
        weights = np.ones(len(terms), dtype=np.float32)
    space = TextSpace(terms=terms, idf=idf, components=components)
    projected = np.zeros((n, components.shape[0]), dtype=np.float32)
    for lo in range(0, n, 100_000):
        projected[lo : lo + 100_000] = space.project(_tfidf(counts[lo : lo + 100_000], idf))
    norms = np.linalg.norm(projected, axis=1).astype(np.float32)
    projected /= np.where(norms == 0, 1.0, norms)[:, None]
    if not np.all(weights == 1.0):
        # the share of the unit the space explains: norm of the unscaled coordinates
        norms = (norms * np.linalg.norm(projected / weights[None, :], axis=1)).astype(np.float32)
    n_unigrams[n_unigrams == 0] = 1.0
    return FittedSpace(
        space=space,
        counts=counts,
        embedding=projected,
        norms=norms,
        vocab_mass=vocab_mass,
        informativeness=1.0 - np.exp(-n_specific / 6.0),
        novelty=n_unique / n_unigrams,
    )
