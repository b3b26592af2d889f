"""Benchmark: the synthesis app around the engine, on N process comments.

    .venv/bin/python bench/synthapp_run.py [N ...]        # SQLite (temporary file); default 2000 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/terreau_bench .venv/bin/python bench/synthapp_run.py

Builds a throw-away test database (never your data) with N comments on one process, written from
the demo's phrase pools (five themes, a campaign of 5 % of the authors, rare arguments), by N / 3
authors spread over 13 départements. Measures, for each N:

- baseline: the engine alone (`engine.run` on the same contributions, already read);
- full run through the app (`services.run_now`): read the source, engine, write themes and member
  rows, recount; its overhead over the baseline is what the app adds;
- the public synthesis page and the printable report (full GET through Django);
- a page of 50 contributions behind a theme;
- one staff edit (merge, which recounts every theme from the member rows);
- incremental assignment of 1,000 new comments (`services.assign_new`).

Each page figure is the median of REPEAT GETs after one warm-up. Prints a Markdown table.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terreau.config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

REPEAT = 5


def build(n: int, seed: int = 42):
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from terreau.processes.models import Institution, Membership, Process
    from terreau.synthesis import demo_data
    from terreau.synthesis.models import Synthesis

    rng = random.Random(seed)
    institution = Institution.objects.create(name=f"Ville {n}", slug=f"ville-{n}", kind="commune")
    admin = get_user_model().objects.create_user(email=f"admin{n}@example.org", password=None, is_superuser=True)
    Membership.objects.create(institution=institution, user=admin, role="admin")
    process = Process.objects.create(
        institution=institution,
        title=f"Démarche {n}",
        slug=f"demarche-{n}",
        status="published",
        published_at=timezone.now(),
    )
    users = demo_data._participants(max(30, n // 3), rng) if n <= 3000 else _bulk_users(n // 3, rng)
    campaign = max(3, n // 20)
    per_theme = max(4, (n - campaign) // 5)
    texts = []
    while len(texts) < n - campaign:
        texts.extend(demo_data.corpus(random.Random(rng.random()), per_theme=min(per_theme, 200)))
    demo_data.add_comments(process, users, texts[: n - campaign], campaign_authors=campaign)
    synthesis = Synthesis.objects.create(
        source="discussions.process_comments",
        content_type=ContentType.objects.get_for_model(process),
        object_id=process.pk,
    )
    return process, synthesis, admin, users


def _bulk_users(n: int, rng: random.Random) -> list:
    from django.contrib.auth import get_user_model

    from terreau.synthesis.demo_data import KINDS, _communes

    communes = _communes()
    User = get_user_model()
    User.objects.bulk_create(
        User(
            email=f"bulk{i}@example.org",
            display_name=f"P{i}",
            kind=rng.choice(KINDS),
            commune=rng.choice(communes),
            password="!",
        )
        for i in range(n)
    )
    return list(User.objects.filter(email__startswith="bulk"))


def median_get(client, url: str) -> float:
    client.get(url)
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def measure(n: int) -> dict[str, float]:
    from django.test import Client

    from terreau.synthesis import demo_data, services
    from terreau.synthesis.builtin import contributions
    from terreau.synthesis.engine import SynthesisParams, run

    process, synthesis, admin, users = build(n)
    items = list(contributions(process))
    run(items[:300], SynthesisParams(seed=0))  # warm-up: imports and caches, as in a long-lived worker
    t = time.perf_counter()
    run(items, SynthesisParams(seed=0))
    baseline = time.perf_counter() - t

    t = time.perf_counter()
    services.run_now(synthesis, admin)
    full = time.perf_counter() - t
    synthesis.refresh_from_db()

    client = Client()
    services.publish(admin, synthesis)
    page = median_get(client, f"/syntheses/{synthesis.pk}/")
    report = median_get(client, f"/syntheses/{synthesis.pk}/rapport/")
    theme = synthesis.themes.filter(parent=None).order_by("-n_contributions").first()
    members = median_get(client, f"/syntheses/{synthesis.pk}/contributions/?theme={theme.key}&page=2")

    n_themes = synthesis.themes.filter(parent=None).count()
    a, b = synthesis.themes.filter(parent=None).order_by("position")[:2]
    t = time.perf_counter()
    services.merge(admin, b, a)
    merge = time.perf_counter() - t

    new = demo_data.corpus(random.Random(99), per_theme=200)[:1000]
    demo_data.add_comments(process, users, new, campaign_authors=0)
    t = time.perf_counter()
    assigned = services.assign_new(synthesis)
    incremental = time.perf_counter() - t
    assert assigned == len(new), assigned
    return {
        "n": n,
        "themes": n_themes,
        "baseline": baseline,
        "full": full,
        "page": page,
        "report": report,
        "members": members,
        "merge": merge,
        "incremental": incremental,
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [2000, 10000]
    setup_test_environment(debug=False)
    settings.TERREAU_STAFF_MFA_REQUIRED = False
    vendor = connection.vendor
    if vendor == "sqlite":
        path = Path(tempfile.gettempdir()) / "terreau_bench_synthapp.sqlite3"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(path)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {vendor}; {os.cpu_count()} CPUs; page figures: median of {REPEAT} GETs\n")
        print(
            "| comments | themes | engine alone (baseline) | full run via the app | app overhead | "
            "public page | report | 50 contributions | merge + recount | 1,000 new assigned |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in sizes:
            r = measure(n)
            print(
                f"| {r['n']:,} | {r['themes']} | {r['baseline']:.2f} s | {r['full']:.2f} s | "
                f"×{r['full'] / r['baseline']:.2f} | {r['page'] * 1000:.0f} ms | {r['report'] * 1000:.0f} ms | "
                f"{r['members'] * 1000:.0f} ms | {r['merge'] * 1000:.0f} ms | {r['incremental']:.2f} s |",
                flush=True,
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
