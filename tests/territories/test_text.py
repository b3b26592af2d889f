import string

from hypothesis import given
from hypothesis import strategies as st

from terreau.territories.text import normalize_name

FRENCH_LETTERS = string.ascii_letters + "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
ACCENTS = str.maketrans("àâäçéèêëîïôöùûüÿ", "aaaceeeeiioouuuy")


def test_examples():
    assert normalize_name("Saint-Étienne") == "saint etienne"
    assert normalize_name("L'Haÿ-les-Roses") == "l hay les roses"
    assert normalize_name("Œuilly") == "oeuilly"
    assert normalize_name("  Aix‑en‑Provence ") == "aix en provence"
    assert normalize_name("<script>") == "script"
    assert normalize_name("🙂 ∑ 東京") == ""


@given(st.text())
def test_output_is_plain_lowercase_words(value):
    result = normalize_name(value)
    assert set(result) <= set(string.ascii_lowercase + string.digits + " ")
    assert result == result.strip()
    assert "  " not in result


@given(st.text())
def test_idempotent(value):
    assert normalize_name(normalize_name(value)) == normalize_name(value)


@given(st.text(alphabet=FRENCH_LETTERS + " -'’"))
def test_case_and_accents_do_not_matter(value):
    normal = normalize_name(value)
    assert normalize_name(value.upper()) == normal
    assert normalize_name(value.lower().translate(ACCENTS)) == normal


@given(
    st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1), min_size=1),
    st.sampled_from(["-", "'", "’", " ", " - "]),
)
def test_separators_become_single_spaces(words, separator):
    assert normalize_name(separator.join(words)) == " ".join(words)
