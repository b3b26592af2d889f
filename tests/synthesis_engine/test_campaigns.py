"""Exact duplicates, near-duplicate campaigns, one-liners."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terreau.synthesis.engine import Contribution, synthesize
from terreau.synthesis.engine.campaigns import (
    Shingles,
    candidate_pairs,
    minhash_signatures,
    near_duplicate_groups,
    shared_counts,
    shingle_matrix,
)
from terreau.synthesis.engine.text import content_stems

from .corpus import TOPICS, light_variant, topic_text

BASES = [
    "Nous demandons la protection des haies bocagères et la fin des pesticides autour des écoles car la santé "
    "des enfants est en jeu et la biodiversité disparaît de nos campagnes",
    "La métropole doit financer un réseau express vélo reliant Lille Roubaix Tourcoing et Villeneuve-d'Ascq avec des "
    "parkings sécurisés dans chaque gare et des aides pour acheter un vélo cargo",
    "Le référendum d'initiative citoyenne doit permettre aux citoyens de proposer une loi, d'abroger une loi et de "
    "révoquer un élu dès que sept cent mille signatures sont réunies",
]


def groups_of(texts):
    return near_duplicate_groups([content_stems(t) for t in texts])


def test_light_variants_are_grouped_and_distinct_texts_are_not():
    rng = random.Random(3)
    texts, truth = [], []
    for b, base in enumerate(BASES):
        for _ in range(15):
            texts.append(light_variant(rng, base))
            truth.append(b)
    labels = groups_of(texts)
    for b in range(len(BASES)):
        assert len(set(labels[np.array(truth) == b])) == 1
    assert len(set(labels)) == len(BASES)


def test_same_topic_different_texts_are_not_a_campaign():
    # texts on the same topic with no idea in common share topic words, never enough to be a campaign
    texts = []
    for opener, topic in zip(
        ["Il faut", "Je propose de", "Nous demandons de", "Il est urgent de", "Pourquoi ne pas"], TOPICS, strict=True
    ):
        ideas = TOPICS[topic]
        texts += [f"{opener} {ideas[i]} et de {ideas[i + 1]}." for i in (0, 2, 4)]
    labels = groups_of(texts)
    assert len(set(labels)) == len(texts)


@given(
    base=st.sampled_from(BASES),
    seed=st.integers(0, 10_000),
    n=st.integers(2, 12),
)
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_planted_copies_with_light_variants_are_one_group(base, seed, n):
    rng = random.Random(seed)
    background = [topic_text(rng, t) for t in TOPICS for _ in range(3)]
    copies = [light_variant(rng, base) for _ in range(n)]
    labels = groups_of(background + copies)
    planted = labels[len(background) :]
    assert len(set(planted)) == 1
    assert planted[0] not in set(labels[: len(background)])


@given(st.lists(st.sampled_from(BASES), min_size=2, max_size=6), st.integers(0, 1000))
@settings(max_examples=30, deadline=None, derandomize=True)
def test_exact_duplicates_ignore_case_punctuation_and_accents(texts, seed):
    rng = random.Random(seed)
    changed = [t.upper() if rng.random() < 0.5 else t.replace("é", "e") + " !!" for t in texts]
    labels = groups_of(changed)
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert (labels[i] == labels[j]) == (texts[i] == texts[j])


def test_lsh_candidates_are_linear_for_a_huge_campaign():
    stems = [content_stems(BASES[0])] * 5000
    sig = minhash_signatures(shingle_matrix(stems), 64, 0)
    pairs = candidate_pairs(sig, 32, np.ones(len(stems), dtype=bool))
    assert len(pairs) < 3 * len(stems)  # chain + star, never all n² pairs


def test_campaign_counts_distinct_authors_and_one_liners_have_their_bucket():
    rng = random.Random(0)
    contribs = [Contribution(id=i, text=light_variant(rng, BASES[1]), author_id=f"a{i % 40}") for i in range(60)]
    contribs += [Contribution(id=100 + i, text=topic_text(rng, "sante"), author_id=f"s{i}") for i in range(30)]
    contribs += [
        Contribution(id=200 + i, text=t, author_id=f"o{i}") for i, t in enumerate(["RAS", "ras.", "Non", "ok"])
    ]
    s = synthesize(contribs)
    assert len(s.campaigns) == 1
    c = s.campaigns[0]
    assert c.n_contributions == 60 and c.n_authors == 40
    assert {o.text: o.n_contributions for o in s.one_liners} == {"ras": 2, "non": 1, "ok": 1}
    one_ids = {200, 201, 202, 203}
    assert all(t is None for cid, t in s.contribution_themes if cid in one_ids)
    # the campaign is one argument: one unit, never 60
    assert sum(1 for u in s.units if u.group_id == s.units[0].group_id) >= 1
    assert len([u for u in s.units if u.contribution_id in c.contribution_ids]) == 1


ROWS = st.lists(st.sets(st.integers(0, 2**32 - 1), max_size=40).map(sorted), min_size=1, max_size=30)


def shingles_of_rows(rows):
    indptr = np.cumsum([0, *map(len, rows)]).astype(np.int64)
    indices = np.array([x for r in rows for x in r], dtype=np.uint32)
    return Shingles(indptr=indptr, indices=indices)


@given(ROWS, st.data())
@settings(max_examples=100, deadline=None)
def test_shared_counts_are_the_sizes_of_the_row_intersections(rows, data):
    n = len(rows)
    pairs = np.array(data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))), dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    counts = shared_counts(shingles_of_rows(rows), pairs, chunk=7)
    assert counts.tolist() == [len(set(rows[i]) & set(rows[j])) for i, j in pairs.tolist()]


@given(ROWS, st.integers(0, 2**16), st.sampled_from([1, 3, 64]))
@settings(max_examples=100, deadline=None)
def test_minhash_is_the_minimum_of_each_hash_function_over_the_row(rows, seed, chunk):
    """Chunked, buffered and read through a view, the signature must still be, for each hash function
    h(x) = ((x + 1)·a + b mod 2⁶⁴) >> 32, its minimum over the row's shingles (empty rows: the maximum)."""
    sig = minhash_signatures(shingles_of_rows(rows), 8, seed, chunk=chunk)
    rng = np.random.default_rng(seed)
    a = [int(x) * 2 + 1 for x in rng.integers(1, 2**63, size=8, dtype=np.uint64)]
    b = [int(x) for x in rng.integers(0, 2**63, size=8, dtype=np.uint64)]
    for row, got in zip(rows, sig.tolist(), strict=True):
        expected = [min((((x + 1) * a[k] + b[k]) % 2**64) >> 32 for x in row) if row else 2**32 - 1 for k in range(8)]
        assert got == expected
