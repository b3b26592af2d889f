"""French text handling: cleaning, folding, elision, stemming; property tests for normalisation."""

from __future__ import annotations

import importlib
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from terreau.synthesis.engine.text import STOP_WORDS, analyze, clean, content_stems, fold, normalize, stem, words


def test_normalize_folds_case_accents_punctuation_and_elision():
    assert normalize("L'État DOIT écouter les maires !!!") == "etat doit ecouter les maires"
    assert normalize("Qu’il   soit\n entendu…") == "il soit entendu"
    assert normalize("Œuvre d'art, aujourd'hui") == "oeuvre art aujourdhui"


def test_urls_and_emails_are_removed():
    out = clean("Voir https://exemple.fr/page?x=1 et www.site.org ou écrire à jean.dupont@mail.fr merci")
    assert "http" not in out and "www" not in out and "@" not in out
    assert out == "Voir et ou écrire à merci"


def test_content_stems_drop_stop_words_and_stem():
    assert content_stems("Les transports en commun sont essentiels") == ["transport", "commun", "essentiel"]
    assert content_stems("le la les de des et") == []
    assert stem("écologiques") == stem("écologique") == "ecolog"


def test_stop_words_are_folded_lowercase():
    assert all(w == fold(w) for w in STOP_WORDS)
    assert "etat" not in STOP_WORDS  # "l'État" is a topic word


def test_words_keep_accents_and_drop_elision():
    assert words("L'écologie n'attend pas") == ["écologie", "attend", "pas"]


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_normalize_is_idempotent_and_never_raises(text):
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once


FRENCH = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ ABCDEFGHIJKLMNOPQRSTUVWXYZÀÂÇÉÈÊËÎÏÔÙÛÜŒ'’-,.;:!?"


@given(st.text(alphabet=FRENCH))
@settings(max_examples=200, deadline=None)
def test_normalize_ignores_case_accents_and_surrounding_punctuation(text):
    assert normalize(text.upper()) == normalize(text.lower()) == normalize(fold(text))
    assert normalize(f"« {text} » !") == normalize(text)


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_normalize_is_case_insensitive_for_any_unicode(text):
    assert normalize(text.casefold()) == normalize(text)


@given(st.text(alphabet=st.characters(codec="utf-8")))
@settings(max_examples=200, deadline=None)
def test_content_stems_never_raise_and_are_folded(text):
    for s in content_stems(text):
        assert s == fold(s)
        assert s not in STOP_WORDS


def test_engine_imports_no_django():
    for name in list(sys.modules):
        if name.startswith("terreau.synthesis.engine"):
            del sys.modules[name]
    before = {m for m in sys.modules if m.startswith("django")}
    importlib.import_module("terreau.synthesis.engine")
    after = {m for m in sys.modules if m.startswith("django")}
    assert after == before


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_analyze_is_normalize_and_content_stems_in_one_pass(text):
    assert analyze(text) == (normalize(text), content_stems(text))


def test_the_stemmer_in_use_gives_the_pure_python_snowball_stems():
    """snowballstemmer hands over to PyStemmer (compiled) when it is installed: the stems, and so
    every quality figure, must not depend on which one runs."""
    from snowballstemmer.french_stemmer import FrenchStemmer

    from terreau.synthesis.engine import text
    from tests.synthesis_engine.corpus import CLOSERS, OPENERS, TOPICS

    reference = FrenchStemmer()
    sentences = [*OPENERS, *CLOSERS, *(s for topic in TOPICS.values() for s in topic)]
    vocabulary = {w for s in sentences for w in text.words(s)} | {"chalutage", "écologiques", "participatives"}
    assert len(vocabulary) > 150
    assert {w: text._stemmer.stemWord(w) for w in vocabulary} == {w: reference.stemWord(w) for w in vocabulary}


@given(st.text(alphabet=st.characters(codec="utf-8")))
@settings(max_examples=300, deadline=None)
def test_the_key_is_the_folded_words_read_as_one_string(text):
    """The key is assembled word by word from a cache; it must equal folding the joined words as one
    string and re-splitting on non-word characters to a fixed point (compatibility forms such as
    "⒈" fold to "1.")."""
    import re

    from terreau.synthesis.engine.text import words

    expected = " ".join(words(text))
    for _ in range(4):
        expected = re.sub(r"[\W_]+", " ", fold(expected)).strip()
    assert normalize(text) == expected


def test_elisions_are_dropped_only_at_the_start_of_a_word():
    assert normalize("Jusqu'ici, quelqu'un l'a dit : c'est d'accord") == "ici quelqu un a dit est accord"
    assert words("aujourd'hui presqu'île") == ["aujourdhui", "presqu", "île"]
    assert normalize("⒈ L’État") == "1 etat"
    # accents do not matter for elision either: "Ç'" is "c'" (found by the property test below)
    assert normalize("Ç'a été") == normalize("c'a ete") == "a ete"
