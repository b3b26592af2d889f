"""Word-level diff of two wordings: exact round trips, readable HTML, bounded time on long texts."""

from __future__ import annotations

import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terreau.consultations.diffing import MAX_TOKENS, diff_stats, render_diff_html, word_diff


def old_of(ops):
    return "".join(text for op, text in ops if op != "insert")


def new_of(ops):
    return "".join(text for op, text in ops if op != "delete")


def test_an_amendment_shows_the_words_it_changes():
    ops = word_diff("Les communes protègent les haies.", "Les communes et les départements protègent toutes les haies.")
    assert ops == [
        ("equal", "Les communes "),
        ("insert", "et les départements "),
        ("equal", "protègent "),
        ("insert", "toutes "),
        ("equal", "les haies."),
    ]
    assert diff_stats(ops) == {"inserted": 4, "deleted": 0}


def test_a_replaced_word_is_deleted_then_inserted():
    ops = word_diff("Le délai est de six mois.", "Le délai est de trois mois.")
    assert ops == [("equal", "Le délai est de "), ("delete", "six "), ("insert", "trois "), ("equal", "mois.")]
    assert diff_stats(ops) == {"inserted": 1, "deleted": 1}


def test_punctuation_is_its_own_token_and_spacing_alone_is_a_small_change():
    ops = word_diff("interdit, sauf dérogation", "interdit; sauf  dérogation")
    assert ("delete", ", ") in ops and ("insert", "; ") in ops
    # "sauf " and "sauf  " are the same word: only the extra space is inserted.
    assert ("insert", " ") in ops
    assert diff_stats(ops) == {"inserted": 0, "deleted": 0}


def test_identical_and_empty_texts():
    assert word_diff("Même texte.", "Même texte.") == [("equal", "Même texte.")]
    assert word_diff("", "") == []
    assert word_diff("", "Nouveau.") == [("insert", "Nouveau.")]
    assert word_diff("Ancien.", "") == [("delete", "Ancien.")]


def test_html_is_escaped_inside_ins_and_del():
    ops = word_diff("a <b>gras</b> & co", "a <script>alert(1)</script> & co")
    html = render_diff_html(ops)
    assert "<script" not in html and "<b>" not in html and "</b>" not in html
    assert "&lt;" in html and "&amp; co" in html
    assert html.count("<ins>") >= 1 and html.count("<del>") >= 1
    assert str(render_diff_html([("equal", "x"), ("insert", "y"), ("delete", "z")])) == "x<ins>y</ins><del>z</del>"


def test_render_refuses_unknown_operations():
    with pytest.raises(ValueError):
        render_diff_html([("replace", "x")])


def _french_text(rng: random.Random, words: int) -> str:
    spaced = (
        "le la les de des du un une et à pour dans sur par commune département région haie zone humide "
        "forêt eau sol espèce protection gestion agriculteur pesticide biodiversité état public doit peut "
        "article code environnement dispositions présent délai mois année"
    )
    vocabulary = spaced.split()
    out = []
    for i in range(words):
        out.append(rng.choice(vocabulary))
        if i % 17 == 16:
            out.append(rng.choice([".", ",", ";", ":"]) + ("\n\n" if i % 85 == 84 else ""))
    return " ".join(out)


def test_long_texts_stay_fast_and_exact():
    rng = random.Random(4)
    old = _french_text(rng, 8_000)  # about 50,000 characters
    assert len(old) > 45_000
    tokens = old.split(" ")
    edited = [rng.choice(tokens) if rng.random() < 0.05 else t for t in tokens]
    new = " ".join(edited)
    other = _french_text(rng, 8_000)
    for a, b in ((old, new), (old, other), (old, ""), (old, old + " Fin.")):
        started = time.perf_counter()
        ops = word_diff(a, b)
        elapsed = time.perf_counter() - started
        assert old_of(ops) == a and new_of(ops) == b
        assert elapsed < 2.0  # generous for a loaded CI machine; measured ~0.1 s (docs/benchmarks.md)
    # A few edits in a long text stay a few small changes, not one big replacement.
    few = list(tokens)
    few[100] = "PREMIER"
    few[5_000] = "SECOND"
    ops = word_diff(old, " ".join(few))
    assert diff_stats(ops) == {"inserted": 2, "deleted": 2}


def test_a_long_run_without_sentences_is_replaced_whole():
    a = " ".join(f"mot{i}" for i in range(MAX_TOKENS))
    b = " ".join(f"autre{i}" for i in range(MAX_TOKENS))
    assert word_diff(a, b) == [("delete", a), ("insert", b)]


_texts = st.lists(
    st.sampled_from([*"abc é,.;:!?\n'«»_1", "le ", "la ", "haie ", "\n\n", "  "]),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_texts, _texts)
def test_round_trip(old, new):
    ops = word_diff(old, new)
    assert old_of(ops) == old
    assert new_of(ops) == new
    assert all(op in ("equal", "insert", "delete") and text for op, text in ops)
    # Neighbours never share an op, and a change reads "deleted then inserted".
    assert all(ops[i][0] != ops[i + 1][0] for i in range(len(ops) - 1))
    assert all(not (ops[i][0] == "insert" and ops[i + 1][0] == "delete") for i in range(len(ops) - 1))


@settings(max_examples=100, deadline=None)
@given(_texts)
def test_same_text_is_all_equal(text):
    ops = word_diff(text, text)
    assert ops == ([("equal", text)] if text else [])
    assert diff_stats(ops) == {"inserted": 0, "deleted": 0}


@settings(max_examples=200, deadline=None)
@given(_texts, _texts)
def test_word_counts_are_bounded_and_see_every_word_change(old, new):
    stats = diff_stats(word_diff(old, new))
    assert stats["inserted"] <= len(_words(new)) and stats["deleted"] <= len(_words(old))
    if _words(old) != _words(new):
        # the words of the "equal" parts are common to both texts: a difference must show
        assert stats["inserted"] + stats["deleted"] > 0
    backward = word_diff(new, old)
    assert old_of(backward) == new and new_of(backward) == old


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)
