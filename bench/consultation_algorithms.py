"""Benchmark: word diff of long article wordings, and "similar contributions" over thousands of candidates.

    .venv/bin/python bench/consultation_algorithms.py

- word_diff on two 50,000-character texts (the longest section body allowed), for a few kinds of
  change; baseline measured in the same run: difflib's line diff of the same texts (what a
  line-based diff costs, and shows far less).
- similar() of a 300-character draft against 1,000 / 3,000 / 10,000 candidates of ~400
  characters: cold (the candidates' term vectors not cached yet, as on the first request of a
  worker) and warm (cached, as on the next requests).

Medians of REPEAT runs. No database.
"""

from __future__ import annotations

import difflib
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terreau.config.settings")

import django  # noqa: E402

django.setup()

from terreau.consultations import similar as similar_module  # noqa: E402
from terreau.consultations.diffing import diff_stats, word_diff  # noqa: E402

REPEAT = 5
_VOCABULARY = (
    "le la les de des du un une et à pour dans sur par avec sans entre contre vers selon "
    "commune département région état collectivité habitant association agriculteur forestier "
    "haie bocage prairie zone humide rivière nappe eau sol forêt friche quartier ville village "
    "espèce oiseau insecte pollinisateur abeille arbre ombre chaleur sécheresse inondation "
    "protection gestion restauration renaturation artificialisation compensation évaluation "
    "pesticide engrais irrigation élevage culture rotation semence compost déchet recyclage "
    "transport vélo train bus voiture covoiturage énergie solaire éolienne isolation logement "
    "doit peut publie fixe précise organise garantit limite interdit autorise finance contrôle "
    "chaque année tous les cinq ans avant après au plus tard dans un délai de six mois "
    "article alinéa présent code environnement urbanisme rural décret arrêté loi"
)
VOCABULARY = _VOCABULARY.split()


def text(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 30))]
        sentence = " ".join(words).capitalize() + rng.choice([".", ".", ";", " :"])
        if rng.random() < 0.15:
            sentence += "\n\n"
        out.append(sentence)
        size += len(sentence) + 1
    return " ".join(out)[:chars]


def changed(rng: random.Random, source: str, share: float) -> str:
    words = source.split(" ")
    return " ".join(rng.choice(VOCABULARY) if rng.random() < share else w for w in words)


def median_ms(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    rng = random.Random(3)
    old = text(rng, 50_000)
    cases = [
        ("a few words (0.1 %)", changed(rng, old, 0.001)),
        ("5 % of the words", changed(rng, old, 0.05)),
        ("30 % of the words", changed(rng, old, 0.30)),
        ("unrelated text", text(rng, 50_000)),
        ("empty → 50,000 chars", ""),
    ]
    print("word_diff, 50,000 characters each side:\n")
    print("| change | word_diff | line diff (baseline) | ratio | words inserted / deleted | parts |")
    print("|---|---|---|---|---|---|")
    for label, new in cases:
        a, b = (new, old) if not new else (old, new)
        ms = median_ms(lambda a=a, b=b: word_diff(a, b))
        base = median_ms(
            lambda a=a, b=b: difflib.SequenceMatcher(None, a.splitlines(), b.splitlines()).get_opcodes(),
        )
        ops = word_diff(a, b)
        assert "".join(t for op, t in ops if op != "insert") == a
        assert "".join(t for op, t in ops if op != "delete") == b
        stats = diff_stats(ops)
        print(
            f"| {label} | {ms:.1f} ms | {base:.1f} ms | {ms / max(base, 0.01):.0f}× "
            f"| {stats['inserted']:,} / {stats['deleted']:,} | {len(ops):,} |"
        )

    print("\nsimilar(), a 300-character draft against N candidates of ~400 characters:\n")
    print("| candidates | cold (first call) | warm (cached vectors) | cold / warm | found |")
    print("|---|---|---|---|---|")
    for n in (1_000, 3_000, 10_000):
        candidates = [(i, text(rng, rng.randint(200, 600))) for i in range(n)]
        draft = candidates[n // 2][1][:300]
        similar_module._cache.clear()
        t0 = time.perf_counter()
        found = similar_module.similar(draft, candidates)
        cold = (time.perf_counter() - t0) * 1000
        warm = median_ms(lambda c=candidates, d=draft: similar_module.similar(d, c))
        assert found and found[0][0] == n // 2
        print(f"| {n:,} | {cold:.0f} ms | {warm:.0f} ms | {cold / warm:.1f}× | {len(found)} |")


if __name__ == "__main__":
    main()
