"""Sort keys for contribution lists: most supported, most contested, random per visitor.

The scores are pure functions of the three vote counters (agree, mitigated, disagree), so they
can be stored next to the counters when a vote changes (in the same transaction) and sorted
with an index; the random order is a hash computable in Python and in SQL alike.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets

from django.db.models import BigIntegerField, F, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast

__all__ = [
    "SHUFFLE_MODULUS",
    "contested_score",
    "new_shuffle_key",
    "shuffle_parameters",
    "shuffle_start",
    "stable_shuffle_expression",
    "stable_shuffle_key",
    "stable_shuffle_sql",
    "supported_score",
]

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


def contested_score(agree: int, mitigated: int, disagree: int) -> float:
    """High when agree and disagree are close AND many people voted; 0 when one side has no vote.

    ``volume * balance ** 2``, where ``balance = min(agree, disagree) / max(agree, disagree)`` (1
    for an even split, towards 0 for a one-sided vote) and ``volume = agree + disagree +
    mitigated / 2``.

    Why not ``total * (1 - |agree - disagree| / total)``: without mitigated votes that equals
    ``2 * min(agree, disagree)``, so 50 against 5,000 would look exactly as contested as 50
    against 50. Squaring the balance makes a lopsided vote fade fast (50/50 scores 100,
    50/5,000 scores 0.5, 100/50 scores 37.5) while a large close vote stays on top (1,000/900
    scores 1,539). Small samples are damped by the volume factor itself: an even split of 1
    against 1 scores 2 and 10 against 9 scores 15, so a handful of votes never outranks a
    real, large disagreement, without a tuning constant. Mitigated votes show attention but no
    conflict: they add half a vote of volume and leave the balance alone.

    Symmetric in agree/disagree; grows with the minority side, with mitigated votes and with the
    number of votes at a given split; falls when the majority grows alone.
    """
    agree, mitigated, disagree = _counts(agree, mitigated, disagree)
    if agree == 0 or disagree == 0:
        return 0.0
    balance = min(agree, disagree) / max(agree, disagree)
    volume = agree + disagree + mitigated / 2
    return volume * balance * balance


def supported_score(agree: int, mitigated: int, disagree: int, *, z: float = Z_95) -> float:
    """Lower bound of the Wilson score interval for the share of support (0 to 1).

    A mitigated vote counts as half a support. The lower bound, rather than the plain share,
    ranks 95 agree out of 100 above 3 agree out of 3: the fewer the votes, the less a high share
    is trusted (Evan Miller, "How not to sort by average rating").
    """
    agree, mitigated, disagree = _counts(agree, mitigated, disagree)
    n = agree + mitigated + disagree
    if agree + mitigated == 0:  # no support: exactly 0 (the formula leaves float residue, ~1e-18)
        return 0.0
    p = (agree + mitigated / 2) / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return max(0.0, (centre - spread) / (1 + z2 / n))


def _counts(*values: int) -> tuple[int, ...]:
    out = tuple(int(v) for v in values)
    if any(v < 0 for v in out):
        raise ValueError("vote counts cannot be negative")
    return out


# --- Random order, stable per visitor ---------------------------------------------------------
#
# key(id) = ((a * x + b) mod P * x + c) mod P with x = id mod P, P = 2**31 - 1 (a prime), and
# (a, b, c) derived from the visitor's seed: a random polynomial of degree 2 over the field of
# integers mod P. Different seeds give unrelated orders (a linear key such as (a*id + b) mod P
# with a fixed a would only rotate one order). Every intermediate value stays below 2**63, so
# PostgreSQL's bigint and SQLite's integer compute it exactly with + * % alone, and the order is
# the same in Python, SQLite and PostgreSQL. Sorting 40,000 rows by it is a scan plus a top-N
# sort (no index possible); break ties with the id.

SHUFFLE_MODULUS = 2_147_483_647
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$")


def shuffle_parameters(visitor_seed: str) -> tuple[int, int, int]:
    """(a, b, c), 1 <= a < P and 0 <= b, c < P, derived from the seed (e.g. a random cookie value)."""
    digest = hashlib.blake2b(str(visitor_seed).encode("utf-8", "surrogatepass"), digest_size=24).digest()
    x, y, z = (int.from_bytes(digest[i : i + 8], "big") for i in (0, 8, 16))
    p = SHUFFLE_MODULUS
    return 1 + x % (p - 1), y % p, z % p


def stable_shuffle_key(visitor_seed: str, item_id: int) -> int:
    """The item's place in the visitor's random order (0 <= key < 2**31 - 1)."""
    a, b, c = shuffle_parameters(visitor_seed)
    p = SHUFFLE_MODULUS
    x = int(item_id) % p
    return ((a * x + b) % p * x + c) % p


def stable_shuffle_sql(visitor_seed: str, column: str = "id") -> str:
    """The same key as a SQL expression over an integer column (PostgreSQL and SQLite).

    The seed's parameters are integers written into the SQL; ``column`` must be a plain
    (optionally table-qualified) column name.
    """
    if not _COLUMN.match(column):
        raise ValueError(f"not a column name: {column!r}")
    a, b, c = shuffle_parameters(visitor_seed)
    p = SHUFFLE_MODULUS
    x = f"(CAST({column} AS BIGINT) % {p})"
    return f"((({x} * {a} + {b}) % {p}) * {x} + {c}) % {p}"


def stable_shuffle_expression(visitor_seed: str, field: str = "pk") -> CombinedExpression:
    """The same key as a Django expression: ``qs.alias(k=...).order_by("k", "pk")``."""
    a, b, c = shuffle_parameters(visitor_seed)
    p = Value(SHUFFLE_MODULUS, output_field=BigIntegerField())
    x = Cast(F(field), BigIntegerField()) % p
    inner = (x * Value(a, output_field=BigIntegerField()) + Value(b, output_field=BigIntegerField())) % p
    return (inner * x + Value(c, output_field=BigIntegerField())) % p


# --- Random order through a stored key -----------------------------------------------------------
#
# The hash above sorts every listed row on each request (no index can serve a per-visitor
# function). The lists use a cheaper scheme: each contribution draws a random key once, when it
# is created (uniform in [0, P)), stored and indexed; a visitor's seed picks a starting point s,
# and the visitor reads the contributions by key from s upwards, then wraps around to the keys
# below s. A page is an index range scan. What is stable: for one visitor, the order of the
# contributions already there never changes; a new contribution lands at a uniformly random
# place (a late one is as likely to be on a visitor's first page as an early one). What is not
# a full shuffle: every visitor reads the same circular order from a different point, so
# neighbours in the list stay neighbours for everyone.


def new_shuffle_key() -> int:
    """A contribution's place in the circular random order (0 <= key < 2**31 - 1)."""
    return secrets.randbelow(SHUFFLE_MODULUS)


def shuffle_start(visitor_seed: str) -> int:
    """Where the visitor starts reading the circular order (0 <= start < 2**31 - 1)."""
    digest = hashlib.blake2b(f"start:{visitor_seed}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % SHUFFLE_MODULUS
