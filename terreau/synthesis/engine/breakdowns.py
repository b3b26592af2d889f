"""Theme shares by territory and by participant kind, over distinct authors.

An author counts once per theme and once per group (a campaign signed by 3,000 people from one
département counts 3,000 authors there, not 3,000 × its units). A theme is over-represented in a
group when its share there is at least ``ratio`` × its national share and it has at least
``min_count`` authors there; under-represented when the share is at most national / ``ratio`` and at
least ``min_count`` authors were expected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from .model import GroupBreakdown, ThemeDeviation


def breakdown(
    level: str,
    author_group: Mapping[str, str | None],
    author_themes: Mapping[str, set[str]],
    theme_order: Sequence[str],
    *,
    min_count: int,
    ratio: float,
) -> list[GroupBreakdown]:
    authors = [a for a, ts in author_themes.items() if ts]
    total = len(authors)
    if not total:
        return []
    national: dict[str, int] = defaultdict(int)
    by_group: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    group_size: dict[str, int] = defaultdict(int)
    for a in authors:
        g = author_group.get(a)
        for t in author_themes[a]:
            national[t] += 1
        if g is None or g == "":
            continue
        group_size[g] += 1
        for t in author_themes[a]:
            by_group[g][t] += 1
    out = []
    for g in sorted(group_size, key=lambda x: (-group_size[x], x)):
        n = group_size[g]
        counts = by_group[g]
        over, under = [], []
        for t in theme_order:
            p = national.get(t, 0) / total
            if p == 0:
                continue
            c = counts.get(t, 0)
            s = c / n
            r = s / p
            dev = ThemeDeviation(
                theme_id=t, n_authors=c, share=round(s, 6), national_share=round(p, 6), ratio=round(r, 6)
            )
            if r >= ratio and c >= min_count:
                over.append(dev)
            elif r <= 1.0 / ratio and p * n >= min_count:
                under.append(dev)
        over.sort(key=lambda d: -d.ratio)
        under.sort(key=lambda d: d.ratio)
        themes = [(t, counts[t]) for t in theme_order if counts.get(t)]
        out.append(GroupBreakdown(level=level, code=str(g), n_authors=n, themes=themes, over=over, under=under))
    return out
