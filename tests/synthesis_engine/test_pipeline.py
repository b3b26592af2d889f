"""The whole synthesis on small generated corpora: themes, counts, rare arguments, breakdowns,
determinism, JSON round trip, incremental assignment and stable theme ids."""

from __future__ import annotations

import json
import time
from collections import Counter

from sklearn.metrics import adjusted_rand_score

from terreau.synthesis.engine import Contribution, Synthesis, SynthesisParams, ThemeModel, run, synthesize
from terreau.synthesis.engine.themes import choose_k, match_ids

from .corpus import TOPICS, corpus, topic_text

PARAMS = SynthesisParams(n_themes=5, subtheme_min_units=60)


def themed(s: Synthesis, truth: dict[str, str]) -> tuple[list[str], list[str]]:
    pred, gold = [], []
    for cid, tid in s.contribution_themes:
        if truth[cid] in TOPICS and tid is not None:
            pred.append(tid)
            gold.append(truth[cid])
    return pred, gold


def test_themes_recover_the_generated_topics():
    contribs, truth = corpus(seed=1, per_topic=30, campaign_size=0)
    s = synthesize(contribs, PARAMS)
    pred, gold = themed(s, truth)
    assert adjusted_rand_score(gold, pred) > 0.8
    assert len(s.themes) == 5
    for t in s.themes:
        assert t.keywords and t.label
        assert 1 <= len(t.verbatims) <= 3
        assert len({v.contribution_id for v in t.verbatims}) == len(t.verbatims)
        assert t.n_authors <= t.n_contributions
        assert sum(t.stance.values()) == t.n_authors
    assert {k for t in s.themes for k in t.keywords} & {"vélo", "impôt", "vote", "pesticides", "médecins"}


def test_campaign_counts_once_per_author_in_its_theme():
    contribs, _truth = corpus(seed=2, per_topic=20, campaign_size=50)
    s = synthesize(contribs, PARAMS)
    assert len(s.campaigns) == 1 and s.campaigns[0].n_authors == 50
    assert s.stats["campaign_contributions"] == 50
    camp_units = [u for u in s.units if u.contribution_id in set(s.campaigns[0].contribution_ids)]
    assert len(camp_units) == 1  # one argument, one unit
    theme = s.theme(camp_units[0].theme_id)
    assert theme.n_authors >= 50 and theme.n_contributions >= 50
    assert theme.n_units < theme.n_contributions


def test_one_liners_never_reach_themes():
    contribs, truth = corpus(seed=3, per_topic=10)
    s = synthesize(contribs, PARAMS)
    ones = {cid for cid, t in truth.items() if t == "one"}
    assert sum(o.n_contributions for o in s.one_liners) == len(ones)
    assert all(t is None for cid, t in s.contribution_themes if cid in ones)
    assert {o.text for o in s.one_liners} >= {"ras", "non", "ok", "rien a signaler"}


def test_rare_argument_is_found_with_its_real_count():
    contribs, _ = corpus(seed=4, per_topic=30, with_one_liners=False)
    rare_text = (
        "Installer des nichoirs à chauves-souris dans les clochers des églises rurales, "
        "car ces mammifères nocturnes dévorent les moustiques sans aucun insecticide"
    )
    contribs.append(Contribution(id="rare", text=rare_text, author_id="r1"))
    s = synthesize(contribs, PARAMS)
    found = [r for r in s.rare_arguments if r.contribution_id == "rare"]
    assert found, [r.text for r in s.rare_arguments]
    assert found[0].n_authors == 1 and found[0].n_contributions == 1
    assert s.rare_arguments.index(found[0]) < 5


def test_a_rare_argument_posted_twice_lists_both_contributions():
    contribs, _ = corpus(seed=4, per_topic=30, with_one_liners=False)
    rare_text = (
        "Installer des nichoirs à chauves-souris dans les clochers des églises rurales, "
        "car ces mammifères nocturnes dévorent les moustiques sans aucun insecticide"
    )
    contribs.append(Contribution(id="rare-1", text=rare_text, author_id="r1"))
    contribs.append(Contribution(id="rare-2", text=rare_text, author_id="r2"))
    s = synthesize(contribs, PARAMS)
    found = [r for r in s.rare_arguments if r.contribution_id in ("rare-1", "rare-2")]
    assert found, [r.text for r in s.rare_arguments]
    assert found[0].n_contributions == 2 and found[0].n_authors == 2
    assert sorted(found[0].contribution_ids) == ["rare-1", "rare-2"]
    assert Synthesis.from_dict(json.loads(json.dumps(s.to_dict()))).rare_arguments == s.rare_arguments


def test_breakdowns_count_distinct_authors_and_flag_over_representation():
    contribs, truth = corpus(seed=5, per_topic=30, with_one_liners=False)
    # everybody in département 29 writes about biodiversity
    for c in contribs:
        if truth[c.id] == "biodiversite":
            c.departement, c.region = "29", "53"
    s = synthesize(contribs, PARAMS)
    deps = {b.code: b for b in s.breakdowns["departement"]}
    assert deps["29"].n_authors == 30
    bio = Counter(t for cid, t in s.contribution_themes if truth[cid] == "biodiversite").most_common(1)[0][0]
    assert [d.theme_id for d in deps["29"].over][:1] == [bio]
    assert sum(n for _, n in deps["29"].themes) >= 30
    assert {b.code for b in s.breakdowns["author_kind"]} <= {"citizen", "association", "elected"}
    total = sum(b.n_authors for b in s.breakdowns["region"])
    assert total == len({c.author_id for c in contribs})


def test_deterministic_with_a_fixed_seed():
    contribs, _ = corpus(seed=6, per_topic=20, campaign_size=10)
    a = synthesize(contribs, SynthesisParams(seed=7)).to_dict()
    b = synthesize(contribs, SynthesisParams(seed=7)).to_dict()
    a.pop("timings"), b.pop("timings")
    assert a == b


def test_json_round_trip():
    contribs, _ = corpus(seed=7, per_topic=40, campaign_size=8)
    s = synthesize(contribs, SynthesisParams(n_themes=5, subtheme_min_units=30))
    assert any(t.subthemes for t in s.themes)
    data = json.loads(json.dumps(s.to_dict()))
    assert data == s.to_dict()
    assert Synthesis.from_dict(data) == s


def test_incremental_assignment_is_fast_and_consistent(tmp_path):
    contribs, truth = corpus(seed=8, per_topic=30, with_one_liners=False)
    result = run(contribs, PARAMS)
    model = result.model
    path = tmp_path / "model.npz"
    model.save(path)
    model = ThemeModel.load(path)
    by_topic = Counter()
    for cid, tid in result.synthesis.contribution_themes:
        by_topic[(truth[cid], tid)] += 1
    topic_theme = {}
    for (topic, tid), _n in by_topic.most_common():
        topic_theme.setdefault(topic, tid)
    import random

    rng = random.Random(99)
    topics = [rng.choice(list(TOPICS)) for _ in range(1000)]
    batch = [Contribution(id=f"n{i}", text=topic_text(rng, t)) for i, t in enumerate(topics)]
    start = time.perf_counter()
    assigned = model.assign(batch)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    agree = sum(a.theme_id == topic_theme[t] for a, t in zip(assigned, topics, strict=True))
    assert agree / len(batch) > 0.85
    assert model.assign([Contribution(id="z", text="RAS")])[0].theme_id is None


def test_recompute_keeps_theme_ids_by_matching():
    contribs, _ = corpus(seed=9, per_topic=30, with_one_liners=False)
    first = synthesize(contribs, PARAMS)
    more, _ = corpus(seed=10, per_topic=6, with_one_liners=False)
    for c in more:
        c.id, c.author_id = f"m{c.id}", f"m{c.author_id}"
    second = synthesize(contribs + more, SynthesisParams(n_themes=5, seed=3), previous=first)
    first_kw = {t.id: set(t.keywords[:5]) for t in first.themes}
    for t in second.themes:
        assert t.id in first_kw
        assert len(first_kw[t.id] & set(t.keywords[:5])) >= 2


def test_match_ids_gives_fresh_ids_to_new_themes():
    old = [("T1", [("velo", 1.0)]), ("T2", [("impot", 1.0)])]
    new = [[("impot", 0.9), ("fortun", 0.4)], [("abeill", 1.0)]]
    assert match_ids(new, old, 0.3) == ["T2", "T3"]


def test_choose_k_grows_with_size_within_bounds():
    assert choose_k(1) == 1
    assert choose_k(10) == 2
    assert 15 <= choose_k(1000) <= 25
    assert choose_k(10**6, max_k=40) == 40


def test_empty_and_tiny_inputs():
    s = synthesize([])
    assert s.themes == [] and s.stats["contributions"] == 0
    s = synthesize([Contribution(id=1, text="RAS")])
    assert s.themes == [] and s.one_liners[0].n_contributions == 1
    s = synthesize([Contribution(id=1, text="Il faut développer les transports en commun à Lille")])
    assert len(s.themes) == 1
    json.dumps(s.to_dict())
