"""The memory-lean paths (hashed shingles, integer features built by chunks, SVD fitted on a sample)
against plain reference implementations, and warm-started recomputes."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from terreau.synthesis.engine import SynthesisParams, run, synthesize
from terreau.synthesis.engine.campaigns import shared_counts, shingle_matrix, shingles_of
from terreau.synthesis.engine.representation import fit_space

from .corpus import corpus

WORDS = [f"w{i}" for i in range(12)]
stem_lists = st.lists(st.lists(st.sampled_from(WORDS), max_size=14), min_size=1, max_size=25)


@given(stem_lists, st.integers(1, 4))
@settings(max_examples=60, deadline=None, derandomize=True)
def test_hashed_shingles_match_the_set_reference(lists, window):
    sh = shingle_matrix(lists, window)
    ref = [shingles_of(x, window) for x in lists]
    assert sh.sizes().tolist() == [len(r) for r in ref]
    pairs = np.array(list(itertools.product(range(len(lists)), repeat=2)), dtype=np.int64)
    expected = [len(ref[i] & ref[j]) for i, j in pairs]
    assert shared_counts(sh, pairs, chunk=7).tolist() == expected


def reference_counts(lists, min_df):
    feats = [Counter([*s, *(f"{a} {b}" for a, b in itertools.pairwise(s))]) for s in lists]
    df = Counter(t for f in feats for t in f)
    n = len(lists)
    return [{t: c for t, c in f.items() if min_df <= df[t] <= max(0.5 * n, 2)} for f in feats]


@given(stem_lists.filter(lambda ls: sum(map(len, ls)) > 0), st.integers(1, 50))
@settings(max_examples=60, deadline=None, derandomize=True)
def test_integer_features_by_chunks_match_the_string_reference(lists, chunk_words):
    fitted = fit_space(lists, min_df=2, max_df=0.5, n_components=3, seed=0, chunk_words=chunk_words)
    terms = fitted.space.terms
    got = [
        {terms[j]: int(c) for j, c in zip(row.indices, row.data, strict=True)}
        for row in (fitted.counts[i] for i in range(len(lists)))
    ]
    ref = reference_counts(lists, min(2, max(1, len(lists) // 2)))
    if len({t for f in ref for t in f}) >= 2:  # otherwise the engine falls back to every feature
        assert got == ref
    assert fitted.embedding.shape[0] == len(lists)
    norms = np.linalg.norm(fitted.embedding, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-4) | (norms == 0))
    assert np.all((fitted.novelty >= 0) & (fitted.novelty <= 1))
    assert np.all((fitted.informativeness >= 0) & (fitted.informativeness < 1))


def test_svd_fitted_on_a_sample_still_embeds_every_unit():
    contribs, truth = corpus(seed=6, per_topic=30, campaign_size=0, with_one_liners=False)
    from terreau.synthesis.engine.text import content_stems

    lists = [content_stems(c.text) for c in contribs]
    full = fit_space(lists, min_df=2, max_df=0.5, n_components=10, seed=0)
    sampled = fit_space(lists, min_df=2, max_df=0.5, n_components=10, seed=0, svd_sample=60)
    assert sampled.embedding.shape == full.embedding.shape
    assert (np.linalg.norm(sampled.embedding, axis=1) > 0.99).mean() > 0.95
    # units fitted outside the sample are still placed with their topic: same-topic pairs are closer
    topic = np.array([truth[c.id] for c in contribs])
    same = topic[:, None] == topic[None, :]
    sims = sampled.embedding @ sampled.embedding.T
    assert sims[same].mean() > sims[~same].mean() + 0.3


def test_recompute_with_previous_keeps_the_partition_and_the_ids():
    contribs, _ = corpus(seed=7, per_topic=30, campaign_size=0)
    params = SynthesisParams(n_themes=5, subtheme_min_units=1000)
    first = synthesize(contribs, params)
    # the same corpus minus 10 %, another seed: the recompute starts from the previous themes
    kept = contribs[: int(0.9 * len(contribs))]
    again = synthesize(kept, SynthesisParams(seed=3, n_themes=5, subtheme_min_units=1000), previous=first)
    before, after = dict(first.contribution_themes), dict(again.contribution_themes)
    ids = [c.id for c in kept if before[c.id] is not None]
    assert adjusted_rand_score([before[i] for i in ids], [after[i] for i in ids]) > 0.9
    same = sum(before[i] == after[i] for i in ids) / len(ids)
    assert same > 0.9  # ids follow the themes, not the order of sizes
    assert {t.id for t in again.themes} <= {t.id for t in first.themes} | {f"T{n}" for n in range(6, 20)}


def test_warm_start_can_be_switched_off_and_falls_back_to_matching():
    contribs, _ = corpus(seed=8, per_topic=25, campaign_size=0)
    params = SynthesisParams(n_themes=5, subtheme_min_units=1000, warm_start=False)
    first = run(contribs, params).synthesis
    again = synthesize(contribs, params, previous=first)
    assert sorted(t.id for t in again.themes) == sorted(t.id for t in first.themes)


def test_svd_without_pairs_has_no_loading_on_pairs_and_keeps_them_in_the_vocabulary():
    contribs, topics = corpus(seed=6, per_topic=30, campaign_size=0, with_one_liners=False)
    from terreau.synthesis.engine.text import content_stems

    lists = [content_stems(c.text) for c in contribs]
    with_pairs = fit_space(lists, min_df=2, max_df=0.5, n_components=10, seed=0)
    fitted = fit_space(lists, min_df=2, max_df=0.5, n_components=10, seed=0, svd_pairs=False)
    assert fitted.space.terms == with_pairs.space.terms
    pair = np.array([" " in t for t in fitted.space.terms])
    assert pair.any() and not np.abs(fitted.space.components[:, pair]).any()
    assert np.abs(with_pairs.space.components[:, pair]).any()
    topic = np.array([topics[c.id] for c in contribs])
    same = topic[:, None] == topic[None, :]
    sims = fitted.embedding @ fitted.embedding.T
    assert sims[same].mean() > sims[~same].mean() + 0.3


def test_spectrum_power_weighs_the_leading_components_and_keeps_the_explained_share():
    contribs, topics = corpus(seed=7, per_topic=30, campaign_size=0, with_one_liners=False)
    from terreau.synthesis.engine.text import content_stems

    lists = [content_stems(c.text) for c in contribs]
    plain = fit_space(lists, min_df=2, max_df=0.5, n_components=10, seed=0, svd_pairs=False)
    fitted = fit_space(lists, min_df=2, max_df=0.5, n_components=10, seed=0, svd_pairs=False, spectrum_power=2.0)
    assert fitted.space.terms == plain.space.terms
    # same directions, row j scaled by sigma_j / sigma_1 (the plain projection's column norms)
    sigma = np.linalg.norm(plain.projected, axis=0)
    scale = np.linalg.norm(fitted.space.components, axis=1)
    assert np.allclose(scale, sigma / sigma.max(), atol=1e-4)
    ratio = fitted.space.components / np.where(scale == 0, 1, scale)[:, None]
    assert np.allclose(np.abs(ratio), np.abs(plain.space.components), atol=1e-4)
    # the unit coordinates are re-weighted, the share of each unit the space explains is not
    assert np.allclose(fitted.norms, plain.norms, atol=1e-4)
    assert not np.allclose(fitted.embedding, plain.embedding, atol=1e-3)
    emb = fitted.space.embed([c.text for c in contribs])
    assert np.allclose(np.abs(emb), np.abs(fitted.embedding), atol=1e-4)
    topic = np.array([topics[c.id] for c in contribs])
    same = topic[:, None] == topic[None, :]
    sims = fitted.embedding @ fitted.embedding.T
    assert sims[same].mean() > sims[~same].mean() + 0.3


def test_small_corpora_get_the_wider_weighted_space():
    contribs, _ = corpus(seed=8, per_topic=20, campaign_size=0, with_one_liners=False)
    params = SynthesisParams(svd_components=7, svd_components_large=5, spectrum_power=2.0)
    result = run(contribs, params)
    assert result.synthesis.stats["svd_components"] == 7
    scale = np.linalg.norm(result.model.space.components, axis=1)
    assert scale[0] == np.float32(1.0) or abs(scale[0] - 1.0) < 1e-4
    assert np.all(np.diff(scale) <= 1e-6) and scale[-1] < 1.0
