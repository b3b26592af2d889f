"""Similar existing contributions, shown to a participant before they post (to avoid duplicates).

A TF-IDF cosine over French word stems. Words are lowercased with their accents (Snowball's
French stemmer needs them), stemmed and accent-folded by the synthesis engine's ``stem()``, which
also drops stop words and the stubs of elisions ("l'", "qu'", "jusqu'"): "l'Éco-quartier doit
protéger les haies" and "protection des haies dans l'écoquartier" share "haie" and "protect".
Rare words weigh more than words every contribution uses (inverse document frequency over the
candidates); term counts are damped (1 + log tf) so one repeated word does not make a text
similar.

Pure Python, no index to maintain. The term vector of each candidate text is cached (bounded),
so a participant typing a draft costs one cold pass over the candidates, then only the scoring.
Measured figures are in docs/benchmarks.md ("Consultations"); above a few thousand candidates,
pass a pre-selection (the same section, or a full-text search hit list).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from terreau.synthesis.engine.text import clean, stem

__all__ = ["DEFAULT_THRESHOLD", "MAX_CANDIDATE_CHARS", "MAX_QUERY_CHARS", "similar", "term_vector"]

DEFAULT_THRESHOLD = 0.3  # below, texts share a word or two by chance (see the tests' examples)
MAX_QUERY_CHARS = 20_000  # a longer draft says no more about its subject; the rest is ignored
MAX_CANDIDATE_CHARS = 3_000  # the opening of a contribution says what it is about
CACHE_SIZE = 50_000

_WORD = re.compile(r"[^\W\d_]{2,}")
_cache: dict[str, _Vector] = {}


class _Vector:
    """A text's term weights, with its terms and squared weights as tuples for C-speed sums."""

    __slots__ = ("squares", "terms", "weights")

    def __init__(self, weights: dict[str, float]) -> None:
        self.weights = weights
        self.terms = tuple(weights)
        self.squares = tuple(w * w for w in weights.values())


def term_vector(text: str, max_chars: int = MAX_CANDIDATE_CHARS) -> dict[str, float]:
    """{stem: 1 + log(count)} for the content words of a text (cached by text)."""
    return _vector(text, max_chars).weights


def _vector(text: str, max_chars: int) -> _Vector:
    text = (text or "")[:max_chars]
    cached = _cache.get(text)
    if cached is not None:
        return cached
    prepared = text
    if "://" in prepared or "www." in prepared or "@" in prepared:
        prepared = clean(prepared)  # URLs and e-mail addresses are not words of the subject
    elif not prepared.isascii():
        prepared = unicodedata.normalize("NFC", prepared)
    counts: Counter[str] = Counter()
    for word in _WORD.findall(prepared.casefold()):
        s = stem(word)
        if s is not None:
            counts[s] += 1
    vector = _Vector({s: 1.0 + math.log(n) for s, n in counts.items()})
    if len(_cache) >= CACHE_SIZE:
        _cache.clear()
    _cache[text] = vector
    return vector


def similar(
    text: str,
    candidates: Iterable[tuple[int, str]],
    limit: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[tuple[int, float]]:
    """The ``limit`` candidates most similar to ``text``: [(id, score)], best first, score in [0, 1].

    Only candidates scoring at least ``threshold`` are returned; ties are broken by id.
    """
    query = term_vector(text, MAX_QUERY_CHARS)
    if not query or limit <= 0:
        return []
    docs: list[tuple[int, _Vector]] = []
    df: Counter[str] = Counter(query.keys())
    for item_id, body in candidates:
        vector = _vector(body, MAX_CANDIDATE_CHARS)
        if vector.terms:
            docs.append((item_id, vector))
            df.update(vector.terms)
    log_n = math.log(len(docs) + 2)
    idf = {t: log_n - math.log(1 + n) + 1.0 for t, n in df.items()}
    idf_squared = {t: w * w for t, w in idf.items()}
    q_weights = {t: tf * idf[t] for t, tf in query.items()}
    q_norm = math.sqrt(sum(w * w for w in q_weights.values()))
    scored: list[tuple[float, int]] = []
    for item_id, vector in docs:
        shared = q_weights.keys() & vector.weights.keys()
        if not shared:
            continue
        weights = vector.weights
        dot = sum(q_weights[t] * weights[t] * idf[t] for t in shared)
        d_norm = math.sqrt(math.sumprod(vector.squares, map(idf_squared.__getitem__, vector.terms)))
        score = min(1.0, dot / (q_norm * d_norm))
        if score >= threshold:
            scored.append((score, item_id))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [(item_id, score) for score, item_id in scored[:limit]]
