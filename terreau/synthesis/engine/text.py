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
from collections.abc import Callable, Iterable

import snowballstemmer

from .stopwords import STOP_WORDS

__all__ = [
    "STOP_WORDS",
    "analyze",
    "analyze_counted",
    "clean",
    "content_stems",
    "fold",
    "normalize",
    "stem",
    "words",
]

_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_APOSTROPHE_CHARS = "’ʼ`´‘′"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}
_NON_WORD = re.compile(r"[\W_]+")
_TOKEN = re.compile(r"[^\W_]+'?")
# elided articles, pronouns and conjunctions (l'État, qu'il, jusqu'ici): not words of the text
_ELIDED = frozenset({"jusqu'", "lorsqu'", "puisqu'", "quoiqu'", "qu'", *(f"{c}'" for c in "ldjnscmt")})
_SPACES = re.compile(r"\s+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def clean(text: str) -> str:
    """Remove URLs and e-mail addresses, unify apostrophes, drop control characters, collapse spaces."""
    text = _unified(text)
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _unified(text: str) -> str:
    """NFC, one apostrophe, URLs and e-mail addresses removed."""
    text = text or ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        for apostrophe in _APOSTROPHE_CHARS:
            if apostrophe in text:
                text = text.replace(apostrophe, "'")
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    return text


_FOLD_CACHE: dict[str, str] = {}
# per distinct token: its folded key form and its stem (bounded, ~200 bytes an entry: 100,000
# generated contributions hold 55,000 distinct tokens, typos included; an emptied cache only costs time)
_KEY_CACHE: dict[str, str] = {}
_STEM_CACHE: dict[str, str | None] = {}
_CACHE_LIMIT = 1_000_000


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


def _prepared(text: str) -> str:
    """What the analysis reads: ``_unified`` and casefolded. (Spaces and control characters need no
    pass of their own: they only ever separate words.)"""
    return _unified(text).casefold()


def _tokens_of_prepared(prepared: str) -> list[str]:
    # words with the apostrophe that ends them, if any: "l'", "qu'" are elisions, dropped by the caches
    return _TOKEN.findall(prepared.replace("aujourd'hui", "aujourdhui"))


def _is_elision(token: str) -> bool:
    """Whether a token ending with an apostrophe is an elided word; accents do not matter ("Ç'" as "c'"),
    so that a text and its accent-folded form have the same key."""
    return token in _ELIDED or (not token.isascii() and fold(token) in _ELIDED)


def _key_word(token: str) -> str:
    """The folded form of one token in a matching key ("" for an elision)."""
    if token[-1] == "'":
        out = "" if _is_elision(token) else _key_word(token[:-1])
    else:
        out = fold(token)
        if not (out.isascii() and out.isalnum()):
            # folding can expose characters that are not word characters, or that fold again (rare
            # compatibility forms): iterate to a fixed point
            for _ in range(3):
                again = _NON_WORD.sub(" ", fold(out)).strip()
                if again == out:
                    break
                out = again
    if len(_KEY_CACHE) > _CACHE_LIMIT:
        _KEY_CACHE.clear()
    _KEY_CACHE[token] = out
    return out


def _key_of_tokens(tokens: list[str]) -> str:
    return " ".join(filter(None, _cached(_KEY_CACHE, _key_word, tokens)))


def _cached[T](cache: dict[str, T], compute: Callable[[str], T], tokens: list[str]) -> list[T]:
    """``[cache[t] for t in tokens]``, computing (and caching) the missing ones first: the per-token
    work runs once per distinct token of the corpus, the per-text work stays in C."""
    try:
        return list(map(cache.__getitem__, tokens))
    except KeyError:
        for token in set(tokens).difference(cache):
            compute(token)
        try:
            return list(map(cache.__getitem__, tokens))
        except KeyError:  # the bounded cache was emptied while filling
            return list(map(compute, tokens))


def normalize(text: str) -> str:
    """The matching key of a text: cleaned, elisions dropped, folded, its words joined by one space.

    Idempotent: ``normalize(normalize(t)) == normalize(t)``.
    """
    return _key_of_tokens(_tokens_of_prepared(_prepared(text)))


def words(text: str) -> list[str]:
    """Lowercase words (accents kept) of a text, elisions dropped."""
    tokens = _tokens_of_prepared(_prepared(text))
    return [t[:-1] if t[-1] == "'" else t for t in tokens if t[-1] != "'" or not _is_elision(t)]


_stemmer = snowballstemmer.stemmer("french")


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
    return _stems_of_tokens(_tokens_of_prepared(_prepared(text)))


def analyze(text: str) -> tuple[str, list[str]]:
    """(matching key, content stems) of a text, reading it once: ``(normalize(text), content_stems(text))``."""
    key, stems, _ = analyze_counted(text)
    return key, stems


def analyze_counted(text: str) -> tuple[str, list[str], int]:
    """``analyze(text)`` and the number of words read (elided articles counted, URLs not)."""
    tokens = _tokens_of_prepared(_prepared(text))
    return _key_of_tokens(tokens), _stems_of_tokens(tokens), len(tokens)


def _stem_of_token(token: str) -> str | None:
    if token[-1] != "'":
        return stem(token)
    out = None if _is_elision(token) else stem(token[:-1])
    _STEM_CACHE[token] = out
    return out


def _stems_of_tokens(tokens: list[str]) -> list[str]:
    # None for stop words and elisions
    return list(filter(None, _cached(_STEM_CACHE, _stem_of_token, tokens)))


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
