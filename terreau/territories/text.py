"""Search normalisation for place names: case, accents and punctuation do not matter."""

import re
import unicodedata

# Letters that Unicode decomposition does not split into a base letter + accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ŀ": "l", "ı": "i"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_name(value: str) -> str:
    """Lowercase ASCII words separated by single spaces.

    Accents are removed, ligatures expanded, and anything else than a-z/0-9 (hyphens,
    apostrophes, punctuation, symbols, other scripts) becomes a word separator:
    "L'Haÿ-les-Roses" -> "l hay les roses", "SAINT-ÉTIENNE" -> "saint etienne".
    Idempotent: normalize_name(normalize_name(x)) == normalize_name(x).
    """
    folded = unicodedata.normalize("NFKD", value.casefold().translate(_LIGATURES))
    ascii_only = "".join(char for char in folded if not unicodedata.combining(char))
    return _NOT_ALNUM.sub(" ", ascii_only.casefold()).strip()
