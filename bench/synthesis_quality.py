"""Evaluation of the synthesis engine on real French contributions (Lille, Grand Débat 2019).

    .venv/bin/python bench/synthesis_quality.py            # reads ../shared/data/consultations/

Prints, as Markdown:
1. Themes vs human labels: ARI and NMI of each contribution's main theme against the `question` the
   comment answered (693 comments) and the `category` of the proposals (5 themes, 176 labelled), next to a
   plain baseline computed in the same run (sklearn TfidfVectorizer on raw text + KMeans, same k).
2. Planted campaigns in the real background (889 texts): 20 campaigns of 3–300 copies of real texts,
   light and heavy variants; B-cubed precision/recall/F1 over planted copies, campaign-count error,
   spurious groups.
3. Planted rare arguments: 10 written texts on topics absent from the debate, planted once each
   (or 2-3 times), recall@20 in the rare list.
4. Stability: ARI of the themes across seeds and on a 90 % subsample.
5. Topic coherence (NPMI of the top-10 stems, document co-occurrence in the corpus) and diversity.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import time
import warnings

import numpy as np
from _synth_data import RARE_ARGUMENTS, heavy_variant, light_variant, lille_contributions, load_comments, load_proposals
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from terreau.synthesis.engine import Contribution, SynthesisParams, synthesize
from terreau.synthesis.engine.stopwords import STOP_WORDS
from terreau.synthesis.engine.text import content_stems


def main_themes(s) -> dict:
    return dict(s.contribution_themes)


def baseline_labels(texts: list[str], k: int, seed: int) -> np.ndarray:
    vec = TfidfVectorizer(lowercase=True, strip_accents="unicode", stop_words=sorted(STOP_WORDS), min_df=2)
    x = vec.fit_transform(texts)
    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x), vec, x


def scores(gold: list[str], pred: list) -> tuple[float, float]:
    return adjusted_rand_score(gold, pred), normalized_mutual_info_score(gold, pred)


def section_labels() -> None:
    print("## 1. Themes vs human labels\n")
    print("| corpus | labels | k | engine ARI | engine NMI | baseline ARI | baseline NMI | engine: unthemed |")
    print("|---|---|---|---|---|---|---|---|")
    comments = load_comments()
    proposals = [r for r in load_proposals() if r["category"].strip()]
    sets = [
        ("comments", "question", [(f"c{r['id']}", r["text"], r["question"]) for r in comments]),
        ("proposals", "category", [(f"p{r['id']}", f"{r['title']}. {r['text']}", r["category"]) for r in proposals]),
    ]
    for name, label, rows in sets:
        contribs = [Contribution(id=i, text=t, author_id=i) for i, t, _ in rows]
        n_labels = len({g for *_, g in rows})
        for k in (None, n_labels):
            s = synthesize(contribs, SynthesisParams(n_themes=k))
            mt = main_themes(s)
            # one-liners and unthemed texts form one extra "none" cluster (they are counted, not hidden)
            pred = [mt[i] or "none" for i, *_ in rows]
            gold = [g for *_, g in rows]
            ari, nmi = scores(gold, pred)
            k_used = len(s.themes)
            base, _, _ = baseline_labels([t for _, t, _ in rows], k_used, 0)
            bari, bnmi = scores(gold, list(base))
            unthemed = sum(1 for p in pred if p == "none")
            kdesc = f"{k_used} ({'heuristic' if k is None else 'n labels'})"
            print(
                f"| {name} ({len(rows)}) | {label} ({n_labels}) | {kdesc} | {ari:.3f} | {nmi:.3f} | {bari:.3f} | "
                f"{bnmi:.3f} | {unthemed} |"
            )
    print()


def bcubed(gold: dict, pred: dict) -> tuple[float, float, float]:
    """B-cubed over the items of ``gold`` (item → gold cluster); ``pred`` item → predicted cluster."""
    items = list(gold)
    by_gold: dict = {}
    by_pred: dict = {}
    for i in items:
        by_gold.setdefault(gold[i], set()).add(i)
        by_pred.setdefault(pred[i], set()).add(i)
    p = statistics.mean(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_pred[pred[i]]) for i in items)
    r = statistics.mean(len(by_pred[pred[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in items)
    return p, r, 2 * p * r / (p + r)


def section_campaigns(runs: int = 3) -> None:
    print("## 2. Planted campaigns (B-cubed over planted copies)\n")
    print(
        "| variants | campaigns planted | copies | precision | recall | F1 | campaigns found (planted) | "
        "count error | spurious campaigns in background |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    background = lille_contributions()
    base_none = synthesize(background)
    spurious_bg = len(base_none.campaigns)
    for kind, make in (("light", light_variant), ("heavy", heavy_variant)):
        ps, rs, fs, errs, founds, sp = [], [], [], [], [], []
        for run in range(runs):
            rng = random.Random(100 + run)
            bases = rng.sample([c for c in background if len(c.text.split()) >= 25], 20)
            base_ids = {c.id for c in bases}
            contribs = [c for c in background if c.id not in base_ids]
            gold = {}
            for j, b in enumerate(bases):
                size = int(min(300, 3 * (1 / rng.random()) ** 0.8))
                for m in range(size):
                    cid = f"camp{j}-{m}"
                    contribs.append(Contribution(id=cid, text=make(rng, b.text), author_id=cid))
                    gold[cid] = j
            rng.shuffle(contribs)
            s = synthesize(contribs, SynthesisParams(seed=run))
            pred = {}
            for c in s.campaigns:
                for cid in c.contribution_ids:
                    pred[cid] = c.id
            # copies not in a reported campaign (≥ 3 authors) are singletons
            pred = {cid: pred.get(cid, f"single-{cid}") for cid in gold}
            p, r, f = bcubed(gold, pred)
            with_planted = {c.id for c in s.campaigns if any(cid in gold for cid in c.contribution_ids)}
            ps.append(p), rs.append(r), fs.append(f)
            founds.append(len(with_planted)), errs.append(len(with_planted) - 20)
            sp.append(len(s.campaigns) - len(with_planted))
        print(
            f"| {kind} | 20 × {runs} runs | {len(gold)} (last run) | {statistics.mean(ps):.3f} | "
            f"{statistics.mean(rs):.3f} | {statistics.mean(fs):.3f} | {statistics.mean(founds):.1f} | "
            f"{statistics.mean(errs):+.1f} | {statistics.mean(sp):.1f} |"
        )
    print(f"\nThe real background alone yields {spurious_bg} campaign(s) (real reposts by the same text).\n")


def section_rare(runs: int = 5) -> None:
    print("## 3. Planted rare arguments (recall@20 of the rare list)\n")
    background = lille_contributions()
    recalls, recalls50 = [], []
    for run in range(runs):
        rng = random.Random(200 + run)
        contribs = list(background)
        planted = {}
        for j, text in enumerate(RARE_ARGUMENTS):
            for m in range(rng.choice([1, 1, 2, 3])):
                cid = f"rare{j}-{m}"
                contribs.append(Contribution(id=cid, text=light_variant(rng, text) if m else text, author_id=cid))
                planted[cid] = j
        # and a few campaigns, so the rare list must not be confused with them
        for j in range(5):
            b = rng.choice(background).text
            for m in range(rng.randint(5, 50)):
                contribs.append(Contribution(id=f"camp{j}-{m}", text=light_variant(rng, b), author_id=f"camp{j}-{m}"))
        rng.shuffle(contribs)
        s = synthesize(contribs, SynthesisParams(seed=run, rare_top=50))
        top = s.rare_arguments[:20]
        found50 = {planted[r.contribution_id] for r in s.rare_arguments[:50] if r.contribution_id in planted}
        recalls50.append(len(found50) / len(RARE_ARGUMENTS))
        found = {planted[r.contribution_id] for r in top if r.contribution_id in planted}
        recalls.append(len(found) / len(RARE_ARGUMENTS))
        if run == 0:
            counts = [(r.n_authors, r.contribution_id in planted) for r in top]
    print(
        f"recall@20 over {runs} runs: mean {statistics.mean(recalls):.2f}, min {min(recalls):.2f} "
        f"({len(RARE_ARGUMENTS)} planted among {len(background)} real texts + 5 campaigns); "
        f"recall@50: mean {statistics.mean(recalls50):.2f}\n"
    )
    print(f"run 0, top 20 (authors, planted?): {counts}\n")


def section_stability() -> None:
    print("## 4. Stability (ARI of main themes)\n")
    contribs = lille_contributions()
    full0 = synthesize(contribs, SynthesisParams(seed=0))
    runs = {0: main_themes(full0)} | {
        seed: main_themes(synthesize(contribs, SynthesisParams(seed=seed))) for seed in (1, 2)
    }
    ids = [c.id for c in contribs]
    seed_aris = [
        adjusted_rand_score([runs[a][i] or "-" for i in ids], [runs[b][i] or "-" for i in ids])
        for a, b in itertools.combinations(runs, 2)
    ]
    # six draws from two generators: one draw set of three moved by ±0.03 when a single unit changed
    size = int(0.9 * len(contribs))
    draws = [rng.sample(contribs, size) for rng in (random.Random(7), random.Random(11)) for _ in range(3)]
    sub_aris, warm_aris, warm_kept = [], [], []
    for sub in draws:
        common = [c.id for c in sub]
        ms = main_themes(synthesize(sub, SynthesisParams(seed=0)))
        sub_aris.append(adjusted_rand_score([runs[0][i] or "-" for i in common], [ms[i] or "-" for i in common]))
        # a recompute: the 90 % subsample with the full run as ``previous`` (warm start from its themes)
        mw = main_themes(synthesize(sub, SynthesisParams(seed=1), previous=full0))
        warm_aris.append(adjusted_rand_score([runs[0][i] or "-" for i in common], [mw[i] or "-" for i in common]))
        warm_kept.append(sum(1 for i in common if mw[i] and mw[i] == runs[0][i]) / len(common))
    # theme-level view: does each theme of seed 0 come back (best Jaccard of its contributions) with seed 1?
    jac = theme_jaccards(runs[0], runs[1])
    texts = [c.text for c in contribs]
    k = len(set(runs[0].values()))
    base = [baseline_labels(texts, k, seed)[0] for seed in range(3)]
    base_aris = [adjusted_rand_score(base[a], base[b]) for a, b in itertools.combinations(range(3), 2)]
    print("| | engine | baseline |")
    print("|---|---|---|")
    print(
        f"| seeds 0/1/2, pairwise ARI (mean, min) | {statistics.mean(seed_aris):.3f}, {min(seed_aris):.3f} | "
        f"{statistics.mean(base_aris):.3f}, {min(base_aris):.3f} |"
    )
    print(
        "| 90 % subsample vs full, ARI on the common texts (6 draws: mean, min; mean of the `Random(7)`, "
        f"`Random(11)` draws) | "
        f"{statistics.mean(sub_aris):.3f}, {min(sub_aris):.3f}; {statistics.mean(sub_aris[:3]):.3f}, "
        f"{statistics.mean(sub_aris[3:]):.3f} | |"
    )
    print(
        f"| recompute of a 90 % subsample with the full run as previous (seed 1, warm start), ARI on the common "
        f"texts (6 draws: mean, min) | {statistics.mean(warm_aris):.3f}, {min(warm_aris):.3f} | |"
    )
    print(f"| … share of the common texts keeping the same theme id | {statistics.mean(warm_kept):.3f} | |")
    print(
        f"| themes of seed 0 found again with seed 1 (best Jaccard of members ≥ 0.5) | "
        f"{sum(j >= 0.5 for j in jac)}/{len(jac)} (median Jaccard {statistics.median(jac):.2f}) | |"
    )
    print()


def theme_jaccards(a: dict, b: dict) -> list[float]:
    ga: dict = {}
    gb: dict = {}
    for i, t in a.items():
        if t:
            ga.setdefault(t, set()).add(i)
    for i, t in b.items():
        if t:
            gb.setdefault(t, set()).add(i)
    return [max(len(m & n) / len(m | n) for n in gb.values()) for m in ga.values()]


def npmi(top_sets: list[list[str]], docs: list[set[str]]) -> float:
    n = len(docs)
    index: dict[str, set[int]] = {}
    for d, terms in enumerate(docs):
        for t in terms:
            index.setdefault(t, set()).add(d)
    vals = []
    for top in top_sets:
        for a, b in itertools.combinations(top, 2):
            da, db = index.get(a, set()), index.get(b, set())
            pa, pb, pab = len(da) / n, len(db) / n, len(da & db) / n
            if pa == 0 or pb == 0:
                continue
            vals.append(-1.0 if pab == 0 else (1.0 if pab == 1 else math.log(pab / (pa * pb)) / -math.log(pab)))
    return statistics.mean(vals) if vals else float("nan")


def section_coherence() -> None:
    print("## 5. Topic coherence and diversity (top-10 stems per theme)\n")
    contribs = lille_contributions()
    s = synthesize(contribs)
    docs = [set(content_stems(c.text)) for c in contribs]
    tops = [[t for t, _ in th.term_profile if " " not in t][:10] for th in s.themes]
    diversity = len({t for top in tops for t in top}) / max(1, sum(len(t) for t in tops))
    # baseline: top terms of the k-means centroids (raw words, folded; stems of them for the NPMI on the same docs)
    texts = [c.text for c in contribs]
    labels, vec, x = baseline_labels(texts, len(s.themes), 0)
    names = vec.get_feature_names_out()
    btops = []
    for j in range(len(s.themes)):
        centroid = np.asarray(x[labels == j].mean(axis=0)).ravel()
        words = [names[i] for i in np.argsort(-centroid)[:10]]
        btops.append([st for w in words for st in content_stems(w)][:10])
    bdiv = len({t for top in btops for t in top}) / max(1, sum(len(t) for t in btops))
    print("| | NPMI (mean over theme top-10 pairs) | topic diversity |")
    print("|---|---|---|")
    print(f"| engine ({len(s.themes)} themes) | {npmi(tops, docs):.3f} | {diversity:.3f} |")
    print(f"| baseline | {npmi(btops, docs):.3f} | {bdiv:.3f} |")
    print()
    print("Engine themes (id, authors, label, bigrams):\n")
    for th in s.themes:
        print(f"- {th.id} ({th.n_authors} authors, {th.n_units} units): {th.label} — {', '.join(th.bigrams[:3])}")
    print()


def main() -> None:
    warnings.filterwarnings("ignore", message="Your stop_words may be inconsistent")
    start = time.perf_counter()
    section_labels()
    section_campaigns()
    section_rare()
    section_stability()
    section_coherence()
    print(f"_Total bench time: {time.perf_counter() - start:.0f} s._")


if __name__ == "__main__":
    main()
