"""The whole synthesis, stage by stage: text → duplicates and campaigns → units → space → themes →
rare arguments → breakdowns. ``run`` returns the plain-data ``Synthesis`` and the fitted
``ThemeModel`` used for incremental assignment."""

from __future__ import annotations

import resource
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import breakdowns as bd
from .campaigns import near_duplicate_groups
from .incremental import ThemeModel
from .model import (
    Campaign,
    Contribution,
    Id,
    OneLiner,
    RareArgument,
    Synthesis,
    SynthesisParams,
    Theme,
    Unit,
    Verbatim,
    normalize_stance,
)
from .rare import rank_rare
from .representation import fit_space
from .text import analyze_counted, content_stems, surface_forms
from .themes import (
    KMEANS_FULL_MAX,
    choose_k,
    class_tfidf,
    cluster,
    consensus_cluster,
    match_ids,
    refine,
    small_kmeans,
    term_profile,
    top_terms,
    warm_cluster,
)
from .units import split_units

ONE_LINER_KEYS = frozenset(
    {
        "ras",
        "rien a signaler",
        "rien a dire",
        "ok",
        "oui",
        "non",
        "merci",
        "d accord",
        "accord",
        "pas avis",
        "sans avis",
        "je ne sais pas",
        "ne sais pas",
        "nsp",
        "idem",
        "pareil",
        "voir ci dessus",
        "test",
        "aucun",
        "aucune",
        "rien",
        "neant",
        "bof",
        "pourquoi pas",
        "tout a fait",
        "",
    }
)
VERBATIM_CHARS = 400
RARE_CHARS = 600
SURFACE_SAMPLE = 20_000


@dataclass(slots=True)
class Result:
    synthesis: Synthesis
    model: ThemeModel


class _Clock:
    """Wall-clock seconds per stage, and the process CPU seconds under "cpu:<stage>" (all threads)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()
        self._c = time.process_time()
        self._start, self._cstart = self._t, self._c

    def lap(self, name: str) -> None:
        now, cnow = time.perf_counter(), time.process_time()
        self.timings[name] = round(now - self._t, 4)
        self.timings[f"cpu:{name}"] = round(cnow - self._c, 4)
        # process peak resident memory so far (MB): the stage that raises it is the one to slim
        self.timings[f"peak_mb:{name}"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        self._t, self._c = now, cnow

    def total(self) -> None:
        self.timings["total"] = round(time.perf_counter() - self._start, 4)
        self.timings["cpu:total"] = round(time.process_time() - self._cstart, 4)


def synthesize(
    contributions: Sequence[Contribution], params: SynthesisParams | None = None, previous: Synthesis | None = None
) -> Synthesis:
    """The synthesis of ``contributions`` (theme ids matched to ``previous`` when given)."""
    return run(contributions, params, previous).synthesis


def run(
    contributions: Sequence[Contribution], params: SynthesisParams | None = None, previous: Synthesis | None = None
) -> Result:
    p = params or SynthesisParams()
    clock = _Clock()
    n = len(contributions)
    texts = [c.text or "" for c in contributions]

    # 1. text: matching keys and content stems. Keys are kept as text only for one-liners (shown as
    # such); other texts keep a 64-bit hash of their key (grouping only: ~400 MB saved at 1M texts).
    keys: list[str | int] = []
    stems: list[list[str]] = []
    one_liner: list[bool] = []
    n_words: list[int] = []
    for t in texts:
        k, s, w = analyze_counted(t)
        n_words.append(w)
        short = k in ONE_LINER_KEYS or len(s) <= p.one_liner_max_content_words
        one_liner.append(short)
        keys.append(k if short else hash(k))
        stems.append([] if short else s)
    authors = [c.author_key for c in contributions]
    author_codes = {a: i for i, a in enumerate(dict.fromkeys(authors))}
    author_of = np.array([author_codes[a] for a in authors], dtype=np.int64)
    supports = np.array([max(int(c.supports or 0), 0) for c in contributions], dtype=np.int64)
    stances = [normalize_stance(c.stance) for c in contributions]
    clock.lap("text")

    # 2. one-liners, exact duplicates, near-duplicate campaigns
    key_index: dict[str | int, int] = {}
    key_of = np.full(n, -1, dtype=np.int64)
    first_of_key: list[int] = []
    for i in range(n):
        if one_liner[i]:
            continue
        k = key_index.setdefault(keys[i], len(key_index))
        if k == len(first_of_key):
            first_of_key.append(i)
        key_of[i] = k
    key_group = near_duplicate_groups(
        [stems[i] for i in first_of_key],
        n_perm=p.minhash_perm,
        bands=p.lsh_bands,
        containment=p.campaign_containment,
        min_shared=p.campaign_min_shared,
        window=p.campaign_window,
        seed=p.seed,
    )
    group_of = np.where(key_of >= 0, key_group[np.maximum(key_of, 0)] if len(key_group) else -1, -1)
    n_groups = int(key_group.max()) + 1 if len(key_group) else 0
    members: list[list[int]] = [[] for _ in range(n_groups)]
    for i in np.nonzero(group_of >= 0)[0]:
        members[group_of[i]].append(int(i))
    group_authors = np.array([len({author_of[i] for i in m}) for m in members], dtype=np.int64)
    representative = [_representative(m, key_of, texts) for m in members]
    clock.lap("campaigns")

    # 3. argument units (of each group's representative)
    units: list[Unit] = []
    unit_group: list[int] = []
    unit_stems: list[list[str]] = []
    unit_texts: list[str] = []
    for g, r in enumerate(representative):
        spans = split_units(texts[r], p.unit_split_words, p.unit_min_words, p.unit_max_words, n_words[r])
        for j, (a, b) in enumerate(spans):
            cid = contributions[r].id
            units.append(Unit(id=f"{cid}#{j}", contribution_id=cid, group_id=g, start=a, end=b, theme_id=None))
            unit_group.append(g)
            piece = texts[r] if len(spans) == 1 else texts[r][a:b]
            unit_texts.append(piece)
            unit_stems.append(stems[r] if len(spans) == 1 else content_stems(piece))
    unit_group_arr = np.array(unit_group, dtype=np.int64)
    clock.lap("units")

    # 4. representation
    del stems
    # corpora on the consensus / keep-margin path get a wider space whose leading components weigh more
    # (it moves less with the sample); the mini-batch path keeps the cheaper plain 50-component space
    small = len(units) <= KMEANS_FULL_MAX
    fitted = fit_space(
        unit_stems,
        min_df=p.min_df,
        max_df=p.max_df,
        n_components=p.svd_components if small else p.svd_components_large,
        seed=p.seed,
        svd_pairs=p.svd_pairs,
        spectrum_power=p.spectrum_power if small else 1.0,
    )
    del unit_stems
    clock.lap("representation")

    # 5. themes
    n_units = len(units)
    has_terms = np.diff(fitted.counts.indptr) > 0 if n_units else np.zeros(0, dtype=bool)
    valid = np.nonzero(has_terms)[0]
    labels = np.full(n_units, -1, dtype=np.int64)
    centroids = np.zeros((0, fitted.embedding.shape[1] if n_units else 0), dtype=np.float32)
    themes: list[Theme] = []
    theme_ids: list[str] = []
    if len(valid):
        k = p.n_themes or choose_k(len(valid), p.min_themes, p.max_themes)
        k = max(1, min(k, len(valid)))
        warm = _previous_labels(previous, [units[u] for u in valid]) if previous and p.warm_start else None
        origin = None
        # the keep margin only where the warm start honours it (the mini-batch path is unchanged)
        margin = p.keep_margin if len(valid) <= KMEANS_FULL_MAX else 0.0
        if warm is not None:
            lab, centroids, origin = warm_cluster(
                fitted.embedding[valid], warm[0], k, p.seed, p.warm_iterations, margin
            )
        elif len(valid) <= p.consensus_max_units:
            lab, centroids = consensus_cluster(fitted.embedding[valid], k, p.seed, p.consensus_runs)
        else:
            lab, centroids = cluster(fitted.embedding[valid], k, p.seed, p.cluster_runs)
        if p.refine_iterations and warm is None:
            lab, centroids = refine(fitted.embedding[valid], lab, p.refine_iterations, margin)
        labels[valid] = lab
        k = centroids.shape[0]
        ctf = class_tfidf(fitted.counts[valid], lab, k)
        terms = fitted.space.terms
        profiles = [term_profile(ctf[j], terms) for j in range(k)]
        if warm is not None and origin is not None:
            theme_ids = _warm_ids(origin, warm[1], [t.id for t in previous.themes])
        elif previous is not None:
            theme_ids = match_ids(
                profiles, [(t.id, t.term_profile) for t in previous.themes], p.theme_match_min_similarity
            )
        else:
            theme_ids = [f"T{j + 1}" for j in range(k)]
        surface = surface_forms(unit_texts[:: max(1, len(unit_texts) // SURFACE_SAMPLE)])
        ctx = _Context(p, members, author_of, supports, stances, unit_group_arr, keys, unit_texts, units)
        for j in range(k):
            idx = valid[lab == j]
            theme = ctx.theme(theme_ids[j], idx, ctf[j], terms, surface, fitted.embedding[idx], centroids[j])
            for u in idx:
                units[u].theme_id = theme.id
            if len(idx) >= p.subtheme_min_units:
                theme.subthemes = _subthemes(ctx, theme.id, idx, fitted, terms, surface)
            themes.append(theme)
    clock.lap("themes")

    # 6. rare arguments
    rare: list[RareArgument] = []
    if themes:
        sizes = np.bincount(labels[labels >= 0], minlength=len(themes))
        large = sizes >= p.large_theme_min_share * sizes.mean()
        ranked = rank_rare(
            fitted.embedding * (fitted.norms * fitted.vocab_mass)[:, None],
            centroids,
            large,
            fitted.informativeness,
            fitted.novelty,
            group_authors[unit_group_arr],
            max_authors=p.rare_max_authors,
            min_distinctness=p.rare_min_distinctness,
            top=p.rare_top * 3,
        )
        seen_groups: set[int] = set()
        for u, dist, inf, score, nearest in ranked:
            g = int(unit_group_arr[u])
            if g in seen_groups:
                continue
            seen_groups.add(g)
            rare.append(
                RareArgument(
                    unit_id=units[u].id,
                    contribution_id=units[u].contribution_id,
                    text=unit_texts[u].strip()[:RARE_CHARS],
                    n_contributions=len(members[g]),
                    n_authors=int(group_authors[g]),
                    distinctness=round(dist, 6),
                    informativeness=round(inf, 6),
                    score=round(score, 6),
                    nearest_theme_id=theme_ids[nearest],
                    theme_id=units[u].theme_id,
                    contribution_ids=[contributions[i].id for i in members[g]],
                )
            )
            if len(rare) >= p.rare_top:
                break
    clock.lap("rare")

    # 7. breakdowns over distinct authors
    group_themes: list[set[str]] = [set() for _ in range(n_groups)]
    group_main: dict[int, tuple[int, str]] = {}
    for u, unit in enumerate(units):
        if unit.theme_id is None:
            continue
        group_themes[unit.group_id].add(unit.theme_id)
        length = unit.end - unit.start
        best = group_main.get(unit.group_id)
        if best is None or length > best[0]:
            group_main[unit.group_id] = (length, unit.theme_id)
        del u
    author_themes: dict[str, set[str]] = defaultdict(set)
    for i in range(n):
        g = group_of[i]
        if g >= 0:
            author_themes[authors[i]].update(group_themes[g])
    breakdowns = {}
    order = [t.id for t in themes]
    for level in ("departement", "region", "author_kind"):
        author_group: dict[str, str | None] = {}
        for c, a in zip(contributions, authors, strict=True):
            v = getattr(c, level)
            if v not in (None, "") and author_group.get(a) is None:
                author_group[a] = str(v)
        if author_group:
            breakdowns[level] = bd.breakdown(
                level, author_group, author_themes, order, min_count=p.territory_min_count, ratio=p.territory_ratio
            )
    clock.lap("breakdowns")

    # 8. output
    campaigns = _campaigns(
        members, representative, key_of, group_authors, supports, texts, contributions, group_themes, p
    )
    one_liners = _one_liners(contributions, keys, one_liner, author_of)
    contribution_themes: list[tuple[Id, str | None]] = [
        (c.id, group_main.get(int(group_of[i]), (0, None))[1] if group_of[i] >= 0 else None)
        for i, c in enumerate(contributions)
    ]
    themes.sort(key=lambda t: (-t.n_authors, -t.n_units, t.id))
    stats = {
        "contributions": n,
        "authors": len(author_codes),
        "one_liners": int(sum(one_liner)),
        "distinct_texts": len(first_of_key),
        "arguments": n_groups,
        "campaigns": len(campaigns),
        "campaign_contributions": sum(c.n_contributions for c in campaigns),
        "units": n_units,
        "unthemed_units": int((labels < 0).sum()),
        "themes": len(themes),
        "vocabulary": len(fitted.space.terms),
        "svd_components": int(fitted.space.components.shape[0]),
    }
    if len(valid):
        train_sims = (fitted.embedding[valid] * centroids[labels[valid]]).sum(axis=1)
        min_sim = float(max(np.quantile(train_sims, 0.02), 0.05))
    else:
        min_sim = 1.0
    model = ThemeModel(
        space=fitted.space,
        centroids=centroids,
        theme_ids=theme_ids,
        min_similarity=min_sim,
        one_liner_max_content_words=p.one_liner_max_content_words,
    )
    clock.lap("output")
    clock.total()
    synthesis = Synthesis(
        themes=themes,
        campaigns=campaigns,
        one_liners=one_liners,
        rare_arguments=rare,
        breakdowns=breakdowns,
        units=units,
        contribution_themes=contribution_themes,
        stats=stats,
        params=p,
        timings=clock.timings,
    )
    return Result(synthesis=synthesis, model=model)


def _previous_labels(previous: Synthesis, units: list[Unit]) -> tuple[np.ndarray, list[str]] | None:
    """Each unit's theme in ``previous`` (by unit id, else by its contribution's main theme) as an index
    into the previous top-level themes, or None when too few units were already there to warm-start."""
    ids = [t.id for t in previous.themes]
    index = {t: q for q, t in enumerate(ids)}
    by_unit = {u.id: u.theme_id for u in previous.units if u.theme_id is not None}
    by_contribution = {c: t for c, t in previous.contribution_themes if t is not None}
    labels = np.array(
        [index.get(by_unit.get(u.id) or by_contribution.get(u.contribution_id), -1) for u in units], dtype=np.int64
    )
    known = int((labels >= 0).sum())
    if known < max(2, 0.2 * len(units)) or len(set(labels[labels >= 0].tolist())) < 2:
        return None
    return labels, ids


def _warm_ids(origin: np.ndarray, previous_ids: list[str], all_previous: list[str]) -> list[str]:
    """The previous id for a theme started from a previous theme, a fresh ``T<n>`` for a new one."""
    next_n = 1 + max((int(t[1:]) for t in all_previous if t[1:].isdigit()), default=0)
    out = []
    for o in origin.tolist():
        if o >= 0:
            out.append(previous_ids[o])
        else:
            out.append(f"T{next_n}")
            next_n += 1
    return out


def _representative(member: list[int], key_of: np.ndarray, texts: Sequence[str]) -> int:
    """The member whose exact text is the most frequent in the group; ties: the longest, then the first."""
    if len(member) == 1:
        return member[0]
    freq = Counter(int(key_of[i]) for i in member)
    return max(member, key=lambda i: (freq[int(key_of[i])], len(texts[i]), -i))


class _Context:
    def __init__(
        self,
        p: SynthesisParams,
        members: list[list[int]],
        author_of: np.ndarray,
        supports: np.ndarray,
        stances: list[str | None],
        unit_group: np.ndarray,
        keys: list[str],
        unit_texts: list[str],
        units: list[Unit],
    ) -> None:
        self.p = p
        self.members = members
        self.author_of = author_of
        self.supports = supports
        self.stances = stances
        self.unit_group = unit_group
        self.keys = keys
        self.unit_texts = unit_texts
        self.units = units

    def theme(
        self,
        theme_id: str,
        idx: np.ndarray,
        weights: np.ndarray,
        terms: list[str],
        surface: dict[str, str],
        embedding: np.ndarray,
        centroid: np.ndarray,
        parent_id: str | None = None,
    ) -> Theme:
        p = self.p
        groups = np.unique(self.unit_group[idx])
        contribs = [i for g in groups for i in self.members[g]]
        stance_by_author: dict[int, str] = {}
        for i in contribs:
            a = int(self.author_of[i])
            s = self.stances[i] or "none"
            if stance_by_author.get(a, "none") == "none":
                stance_by_author[a] = s
        stance = Counter(stance_by_author.values())
        words, pairs = top_terms(weights, terms, p.n_keywords, p.n_bigrams, surface)
        # verbatims: closest to the centroid, one per argument and per exact text, not too short
        order = np.argsort(-(embedding @ centroid), kind="stable")
        verbatims: list[Verbatim] = []
        seen: set[int] = set()
        for pos in order:
            u = int(idx[pos])
            g = int(self.unit_group[u])
            text = self.unit_texts[u].strip()
            if g in seen or len(text.split()) < 5:
                continue
            seen.add(g)
            unit = self.units[u]
            verbatims.append(
                Verbatim(contribution_id=unit.contribution_id, unit_id=unit.id, text=text[:VERBATIM_CHARS])
            )
            if len(verbatims) >= p.n_verbatims:
                break
        return Theme(
            id=theme_id,
            label=" · ".join(words[:3]),
            keywords=words,
            bigrams=pairs,
            verbatims=verbatims,
            n_units=len(idx),
            n_contributions=len(contribs),
            n_authors=len(stance_by_author),
            supports=int(self.supports[contribs].sum()) if contribs else 0,
            stance={s: int(stance.get(s, 0)) for s in ("for", "against", "mixed", "none")},
            term_profile=term_profile(weights, terms),
            parent_id=parent_id,
        )


def _subthemes(
    ctx: _Context, theme_id: str, idx: np.ndarray, fitted, terms: list[str], surface: dict[str, str]
) -> list[Theme]:
    p = ctx.p
    k = int(min(p.subtheme_max, max(2, round(np.sqrt(len(idx) / 40)))))
    emb = fitted.embedding[idx]
    lab, cents = small_kmeans(emb, k, p.seed)
    ctf = class_tfidf(fitted.counts[idx], lab, cents.shape[0])
    out = []
    for j in range(cents.shape[0]):
        sub = idx[lab == j]
        sid = f"{theme_id}.{j + 1}"
        out.append(ctx.theme(sid, sub, ctf[j], terms, surface, fitted.embedding[sub], cents[j], parent_id=theme_id))
        for u in sub:
            ctx.units[u].subtheme_id = sid
    return out


def _campaigns(
    members: list[list[int]],
    representative: list[int],
    key_of: np.ndarray,
    group_authors: np.ndarray,
    supports: np.ndarray,
    texts: list[str],
    contributions: Sequence[Contribution],
    group_themes: list[set[str]],
    p: SynthesisParams,
) -> list[Campaign]:
    found = [g for g in range(len(members)) if group_authors[g] >= p.campaign_min_authors]
    found.sort(key=lambda g: (-int(group_authors[g]), g))
    out = []
    for rank, g in enumerate(found, start=1):
        r = representative[g]
        m = members[g]
        out.append(
            Campaign(
                id=f"C{rank}",
                text=texts[r].strip(),
                representative_id=contributions[r].id,
                contribution_ids=[contributions[i].id for i in m],
                n_contributions=len(m),
                n_authors=int(group_authors[g]),
                n_exact_copies=int(sum(1 for i in m if key_of[i] == key_of[r])),
                supports=int(supports[m].sum()),
                theme_ids=sorted(group_themes[g]),
            )
        )
    return out


def _one_liners(
    contributions: Sequence[Contribution], keys: list[str], one_liner: list[bool], author_of: np.ndarray
) -> list[OneLiner]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, flag in enumerate(one_liner):
        if flag:
            by_key[keys[i]].append(i)
    out = [
        OneLiner(
            text=k,
            n_contributions=len(m),
            n_authors=len({int(author_of[i]) for i in m}),
            contribution_ids=[contributions[i].id for i in m],
        )
        for k, m in by_key.items()
    ]
    out.sort(key=lambda o: (-o.n_contributions, o.text))
    return out
