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
from sklearn.feature_extraction.text import CountVectorizer

from .text import content_stems


def _identity(doc: list[str]) -> list[str]:
    return doc


def features(stems: Sequence[str]) -> list[str]:
    """Unigram stems plus consecutive stem pairs ("transport commun")."""
    return [*stems, *(f"{a} {b}" for a, b in itertools.pairwise(stems))]


def count_matrix(feature_lists: Sequence[list[str]]) -> tuple[sp.csr_matrix, list[str]]:
    """Raw counts (texts × every feature seen) and the feature names."""
    vec = CountVectorizer(analyzer=_identity, dtype=np.float32)
    counts = vec.fit_transform(feature_lists)
    return counts.tocsr(), list(vec.get_feature_names_out())


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
    tfidf: sp.csr_matrix
    projected: np.ndarray  # SVD coordinates, raw
    embedding: np.ndarray  # SVD coordinates, unit norm
    all_df: np.ndarray  # document frequency of every feature seen (before min_df/max_df)
    all_terms: list[str]
    all_counts: sp.csr_matrix
    vocab_mass: np.ndarray  # share of each unit's TF-IDF mass (over every feature) that the space's vocabulary holds


def fit_space(
    feature_lists: Sequence[list[str]], *, min_df: int, max_df: float, n_components: int, seed: int
) -> FittedSpace:
    """Fit vocabulary, idf and SVD on the units' features."""
    all_counts, all_terms = count_matrix(feature_lists) if feature_lists else (sp.csr_matrix((0, 0)), [])
    n = all_counts.shape[0]
    df = np.bincount(all_counts.indices, minlength=all_counts.shape[1]) if n else np.zeros(0, dtype=np.int64)
    keep = (df >= min(min_df, max(1, n // 2))) & (df <= max(max_df * n, 2))
    if keep.sum() < 2:
        keep = df >= 1
    cols = np.nonzero(keep)[0]
    counts = all_counts[:, cols].tocsr()
    terms = [all_terms[i] for i in cols]
    idf = (np.log((1.0 + n) / (1.0 + df[cols])) + 1.0).astype(np.float32)
    tfidf = _tfidf(counts, idf)
    k = min(n_components, len(terms) - 1, n - 1)
    if k >= 2:
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=seed)
        svd.fit(tfidf)
        components = svd.components_.astype(np.float32)
    else:
        components = np.eye(len(terms), dtype=np.float32)
    space = TextSpace(terms=terms, idf=idf, components=components)
    projected = space.project(tfidf)
    # how much of each unit the vocabulary can see: words seen in fewer than min_df units are outside it
    all_idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    vocab_mass = _mass_share(all_counts, all_idf, keep)
    return FittedSpace(
        space=space,
        counts=counts,
        tfidf=tfidf,
        projected=projected,
        embedding=normalize_rows(projected),
        all_df=df,
        all_terms=all_terms,
        all_counts=all_counts,
        vocab_mass=vocab_mass,
    )


def _mass_share(counts: sp.csr_matrix, idf: np.ndarray, keep: np.ndarray) -> np.ndarray:
    if counts.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    x = counts.astype(np.float32, copy=True)
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    x.data **= 2
    total = np.asarray(x.sum(axis=1)).ravel()
    inside = np.asarray(x[:, np.nonzero(keep)[0]].sum(axis=1)).ravel()
    total[total == 0] = 1.0
    return np.sqrt(inside / total).astype(np.float32)
