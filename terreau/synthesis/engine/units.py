"""Splitting long contributions into argument units.

A cahier or a long proposal holds several demands. Texts longer than ``split_words`` words are cut
at paragraphs and bullet lines, then at sentence ends, and the pieces are packed back into units of
``min_words``–``max_words`` words. Units are given as character spans of the original text, so a
unit can always be traced back to its exact words.
"""

from __future__ import annotations

import re

_PARAGRAPH = re.compile(r"\n\s*\n|\n\s*(?=[-•*–·]|\d+[.)]\s)")
_SENTENCE_END = re.compile(r"(?<=[.!?;…])\s+|\n+")
_WORD = re.compile(r"[^\W_]+")


def _count_words(text: str) -> int:
    return len(_WORD.findall(text))


def _pieces(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    pos = start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return [(a, b) for a, b in out if text[a:b].strip()]


def split_units(
    text: str, split_words: int = 80, min_words: int = 12, max_words: int = 90, n_words: int | None = None
) -> list[tuple[int, int]]:
    """Character spans (start, end) of the argument units of ``text`` (one span when it is short).

    ``n_words``, when the caller has already counted the words, saves counting them again."""
    if (_count_words(text) if n_words is None else n_words) <= split_words:
        return [(0, len(text))]
    # (start, end, words) of each piece: paragraphs and bullet lines, long ones cut at sentence ends
    spans: list[tuple[int, int, int]] = []
    for a, b in _pieces(text, 0, len(text), _PARAGRAPH):
        w = _count_words(text[a:b])
        if w > max_words:
            spans.extend((c, d, _count_words(text[c:d])) for c, d in _pieces(text, a, b, _SENTENCE_END))
        else:
            spans.append((a, b, w))
    # pack consecutive small pieces together, without exceeding max_words when possible
    units: list[list[int]] = []
    current_words = 0
    for a, b, w in spans:
        if units and (current_words < min_words or (current_words + w <= max_words and w < min_words)):
            units[-1][1] = b
            current_words += w
        else:
            units.append([a, b])
            current_words = w
    if len(units) > 1 and current_words < min_words:
        last = units.pop()
        units[-1][1] = last[1]
    return [(a, b) for a, b in units]
