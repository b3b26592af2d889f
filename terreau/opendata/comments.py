"""Comments of the discussions app, for the contribution feeds and the API.

Filled in once terreau.discussions provides its public read functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def available() -> bool:
    return False


def feed_entries(process: Any, limit: int) -> Iterable[Any]:
    return []
