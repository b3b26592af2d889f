"""Commune search: by name (accent and case insensitive), postcode or INSEE code.

    search_communes("saint-etienne")  -> Saint-Étienne (42) first
    search_communes("69001")          -> Lyon (postcode), Affoux (INSEE code 69001)
    search_communes("2A004")          -> Ajaccio
    search_communes("saint denis 93") -> Saint-Denis in Seine-Saint-Denis first

Ranking: exact name (or full postcode/INSEE code), then names starting with the query,
then names with a word starting with it, then names containing it; ties by population,
largest first. Queries are truncated and normalised to a-z/0-9 words before reaching the
database, so any input is safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from terreau.territories.models import Commune
from terreau.territories.text import normalize_name

MAX_QUERY_LENGTH = 100
MAX_LIMIT = 100
# Name fragments shorter than this only match at the start of a word.
MIN_CONTAINS_LENGTH = 3
_INSEE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
_WHITESPACE = re.compile(r"\s+")
# "st etienne" -> "saint etienne" (only before another word: "st" alone may start "Strasbourg").
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}

EXACT, PREFIX, WORD_PREFIX, CONTAINS = 0, 1, 2, 3


@dataclass(frozen=True)
class CommuneQuery:
    """A parsed search: normalised name words, a postcode prefix and/or an INSEE code."""

    name: str = ""
    digits: str = ""
    code: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.digits or self.code)


def parse_query(q: str | None) -> CommuneQuery:
    raw = (q or "")[:MAX_QUERY_LENGTH]
    compact = _WHITESPACE.sub("", raw).upper()
    if _INSEE_CODE.fullmatch(compact):
        return CommuneQuery(code=compact, digits=compact if compact.isdigit() else "")
    words = normalize_name(raw).split()
    numbers = [word for word in words if word.isdigit()]
    names = [word for word in words if not word.isdigit()]
    names = [_ABBREVIATIONS.get(word, word) if i < len(names) - 1 else word for i, word in enumerate(names)]
    digits = numbers[0] if numbers and len(numbers[0]) <= 5 else ""
    return CommuneQuery(name=" ".join(names), digits=digits)


def _postcode_q(digits: str) -> Q:
    """Communes having a postcode that starts with `digits` (postcodes are space-separated)."""
    return Q(postcodes__startswith=digits) | Q(postcodes__contains=" " + digits)


def commune_matches(q: str | None) -> QuerySet[Commune]:
    """All communes matching `q`, annotated with `match_rank` and best first (unsliced)."""
    query = parse_query(q)
    communes = Commune.objects.all()
    if not query:
        return communes.none().annotate(match_rank=Value(EXACT))
    if query.code:
        condition = Q(code=query.code)
        if query.digits:
            condition |= _postcode_q(query.digits)
        rank: Case | Value = Value(EXACT)
    elif query.name:
        name = query.name
        condition = Q(search_name__startswith=name) | Q(search_name__contains=" " + name)
        if len(name) >= MIN_CONTAINS_LENGTH:
            condition = Q(search_name__contains=name)
        if query.digits:
            condition &= _postcode_q(query.digits)
        rank = Case(
            When(search_name=name, then=Value(EXACT)),
            When(search_name__startswith=name, then=Value(PREFIX)),
            When(search_name__contains=" " + name, then=Value(WORD_PREFIX)),
            default=Value(CONTAINS),
            output_field=IntegerField(),
        )
    else:
        condition = _postcode_q(query.digits)
        rank = Value(EXACT if len(query.digits) == 5 else PREFIX)
    return communes.filter(condition).annotate(match_rank=rank).order_by("match_rank", "-population", "name", "code")


def search_communes(q: str | None, limit: int = 20) -> list[Commune]:
    """The best `limit` (at most MAX_LIMIT) communes for `q`; [] for an empty query."""
    limit = max(0, min(int(limit), MAX_LIMIT))
    if not limit:
        return []
    return list(commune_matches(q).select_related("departement__region")[:limit])


def resolve_commune(q: str | None) -> Commune | None:
    """The commune `q` designates without ambiguity, else None.

    That is the only match, or else the only exact match: "Paris" -> Paris even though
    "Cormeilles-en-Parisis" also matches, but "Saint-Denis" (several) -> None.
    """
    matches = commune_matches(q)
    for candidates in (matches, matches.filter(match_rank=EXACT)):
        found = list(candidates[:2])
        if len(found) == 1:
            return found[0]
    return None


def query_matches_commune(q: str | None, commune: Commune) -> bool:
    """Whether `commune` is among the matches of `q` (whatever its rank)."""
    return commune_matches(q).filter(pk=commune.pk).exists()
