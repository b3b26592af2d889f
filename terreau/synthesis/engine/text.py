"""French text handling: cleaning, accent folding, elision, stop words, Snowball stemming.

Two views of a text are used by the engine:

- ``normalize(text)``: the *matching key* — lowercase, accents folded, URLs and e-mails removed,
  elided articles dropped (l', d', qu'...), punctuation removed, whitespace collapsed. Two texts
  that differ only by case, accents, punctuation or spacing have the same key.
- ``content_stems(text)``: the *topic features* — the Snowball French stems (accent-folded) of
  the words that are not stop words, in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import snowballstemmer

from .stopwords import STOP_WORDS

__all__ = [
    "STOP_WORDS",
    "analyze",
    "clean",
    "content_stems",
    "fold",
    "normalize",
    "stem",
    "words",
]

_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_APOSTROPHES = re.compile("[’ʼ`´‘′]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}
_ELISION = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldjnscmt])'", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def clean(text: str) -> str:
    """Remove URLs and e-mail addresses, unify apostrophes, drop control characters, collapse spaces."""
    text = text or ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        text = _APOSTROPHES.sub("'", text)
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


_FOLD_CACHE: dict[str, str] = {}


def _fold_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    out = _FOLD_CACHE.get(ch)
    if out is None:
        decomposed = unicodedata.normalize("NFKD", _LIGATURES.get(ch, ch))
        out = "".join(c for c in decomposed if not unicodedata.combining(c))
        out = unicodedata.normalize("NFC", out).casefold()
        if len(_FOLD_CACHE) < 100_000:
            _FOLD_CACHE[ch] = out
    return out


def fold(text: str) -> str:
    """Lowercase and remove accents (é→e, ç→c, œ→oe)."""
    text = text.casefold()
    if text.isascii():
        return text
    return _NON_ASCII.sub(_fold_char, text)


def _drop_elision(text: str) -> str:
    return _ELISION.sub(" ", text.replace("aujourd'hui", "aujourdhui"))


def normalize(text: str) -> str:
    """The matching key of a text: cleaned, folded, elisions dropped, punctuation removed.

    Idempotent: ``normalize(normalize(t)) == normalize(t)``.
    """
    return _normalize_clean(clean(text))


def _normalize_clean(cleaned: str) -> str:
    return _key_of_elided(_drop_elision(fold(cleaned)))


def _key_of_elided(elided: str) -> str:
    out = _NON_WORD.sub(" ", fold(elided)).strip()
    if out.isascii():
        return out
    # folding can expose characters that fold again (rare compatibility forms): iterate to a fixed point
    for _ in range(3):
        again = _NON_WORD.sub(" ", fold(out)).strip()
        if again == out:
            break
        out = again
    return out


def words(text: str) -> list[str]:
    """Lowercase words (accents kept) of a text, elisions dropped."""
    return _words_clean(clean(text))


def _words_clean(cleaned: str) -> list[str]:
    return _WORD.findall(_drop_elision(cleaned.casefold()))


_stemmer = snowballstemmer.stemmer("french")
_STEM_CACHE: dict[str, str | None] = {}
_CACHE_LIMIT = 400_000


def stem(word: str) -> str | None:
    """Folded Snowball stem of one lowercase word, or None for stop words, one-letter words and numbers."""
    cached = _STEM_CACHE.get(word, "")
    if cached != "":
        return cached
    folded = fold(word)
    if len(folded) < 2 or folded in STOP_WORDS or folded.isdigit():
        result: str | None = None
    else:
        result = fold(_stemmer.stemWord(word)) or None
        if result in STOP_WORDS:
            result = None
    if len(_STEM_CACHE) > _CACHE_LIMIT:
        _STEM_CACHE.clear()
    _STEM_CACHE[word] = result
    return result


def content_stems(text: str) -> list[str]:
    """Stems of the non-stop words of a text, in order."""
    return _stems_of_words(words(text))


def analyze(text: str) -> tuple[str, list[str]]:
    """(matching key, content stems) of a text, cleaning it once: ``(normalize(text), content_stems(text))``."""
    cleaned = clean(text)
    words_ = _WORD.findall(_drop_elision(cleaned.casefold()))
    return _normalize_clean(cleaned), _stems_of_words(words_)


def _stems_of_words(ws: list[str]) -> list[str]:
    out = []
    get = _STEM_CACHE.get
    for w in ws:
        s = get(w, "")
        if s == "":
            s = stem(w)
        if s is not None:
            out.append(s)
    return out


def surface_forms(texts: Iterable[str]) -> dict[str, str]:
    """For each stem, its most frequent folded surface word in ``texts`` (to show keywords readably)."""
    from collections import Counter

    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(words(t))
    best: dict[str, tuple[int, str]] = {}
    for w, n in counts.items():
        s = stem(w)
        if s is None:
            continue
        prev = best.get(s)
        if prev is None or n > prev[0]:
            best[s] = (n, w)
    return {s: w for s, (n, w) in best.items()}
