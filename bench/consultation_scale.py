"""Benchmark: a consultation the size of République numérique ×5, server time of its pages.

    .venv/bin/python bench/consultation_scale.py                      # SQLite (temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/terreau_consultbench .venv/bin/python bench/consultation_scale.py

République numérique (2015): 21,000 participants, 8,500 contributions, ~150,000 votes. This builds
five times that in a throw-away database (never your data; on PostgreSQL a database named
after yours with "_scale" appended): 100,000 participants, a draft text of 100 articles
(plus titles, chapters, memorandum, annex), 40,000 contributions (amendments, proposals,
arguments, 1 % hidden by moderation, 2 % answered) and 750,000 votes (150,000 on articles,
600,000 on contributions, heavy-tailed: a few items get thousands), with the denormalized
counters and stored "contested" score consistent with the votes, as the services keep them.

Then it measures the server time of full GET requests through Django (middleware, view,
queries, template) with the test client, anonymous unless said: median and 95th percentile
of REPEAT runs after two warm-up requests, and the number of SQL queries of one request.
Baselines measured in the same run: /sante/ (one trivial query, no template) and /credits/
(the base layout, no data). Environment: BENCH_REPEAT (default 30), BENCH_SCALE (default 1.0,
e.g. 0.05 for a quick check of the script), BENCH_KEEPDB=1 (keep the database after the run
and reuse it next time instead of building it again: for EXPLAIN sessions).
"""

from __future__ import annotations

import datetime
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

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
PARTICIPANTS = int(100_000 * SCALE)
CONTRIBUTIONS = int(40_000 * SCALE)
SECTION_VOTES = int(150_000 * SCALE)
CONTRIBUTION_VOTES = int(600_000 * SCALE)
TITLES, CHAPTERS_PER_TITLE, ARTICLES_PER_CHAPTER = 5, 4, 5  # 100 articles
TARGET_MS = 100.0

KINDS = [
    ("citizen", 85),
    ("association", 6),
    ("expert", 3),
    ("company", 2),
    ("union", 1),
    ("collective", 1),
    ("elected", 1),
    ("public_agent", 1),
]
_SPACED_WORDS = (
    "la biodiversité des sols les zones humides doivent être protégées par les communes et l'État "
    "qui publient chaque année un rapport sur l'artificialisation ainsi que les mesures de "
    "renaturation des friches agricoles forestières et urbaines en concertation avec les habitants "
    "les associations les agriculteurs et les services de l'eau pour réduire les pesticides et "
    "restaurer les haies le bocage les continuités écologiques la trame verte et bleue"
)
WORDS = _SPACED_WORDS.split()


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        s = sentence(rng, rng.randint(8, 25))
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def edit(rng: random.Random, text: str) -> str:
    """An amendment: the article with a few words changed, added or removed."""
    words = text.split(" ")
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(words))
        action = rng.random()
        if action < 0.4:
            words[i] = rng.choice(WORDS)
        elif action < 0.7:
            words.insert(i, rng.choice(WORDS))
        elif len(words) > 5:
            del words[i]
    return " ".join(words)


def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Fast raw inserts: COPY on PostgreSQL, executemany on SQLite (in one transaction)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            for i in range(0, len(rows), 50_000):
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows[i : i + 50_000])


def heavy_tail(rng: random.Random, items: int, total: int, alpha: float = 1.1) -> list[int]:
    """Split `total` votes over `items` with a Zipf-like tail, capped at the number of participants."""
    weights = [1.0 / (rank**alpha) for rank in range(1, items + 1)]
    rng.shuffle(weights)
    s = sum(weights)
    counts = [min(PARTICIPANTS, int(total * w / s)) for w in weights]
    missing = total - sum(counts)
    i = 0
    while missing > 0:
        if counts[i % items] < PARTICIPANTS:
            counts[i % items] += 1
            missing -= 1
        i += 1
    return counts


def choices_for(rng: random.Random, n: int) -> list[str]:
    """Votes on one item: its own mix of agree / mitigated / disagree (some consensual, some split)."""
    kind = rng.random()
    if kind < 0.5:
        p = (0.75, 0.15)  # mostly agree
    elif kind < 0.75:
        p = (0.45, 0.1)  # split: the "most contested"
    elif kind < 0.9:
        p = (0.2, 0.15)  # mostly against
    else:
        p = (0.35, 0.4)  # nuanced
    out = []
    for _ in range(n):
        r = rng.random()
        out.append("agree" if r < p[0] else "mitigated" if r < p[0] + p[1] else "disagree")
    return out


def build(seed: int = 7):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from terreau.consultations.models import (
        Answer,
        Consultation,
        Contribution,
        ContributionVote,
        Section,
        SectionVote,
        TextVersion,
    )
    from terreau.consultations.ranking import contested_score
    from terreau.processes.models import Institution, Phase, Process, ProcessModule
    from terreau.territories.models import Departement

    rng = random.Random(seed)
    now = timezone.now()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    institution = Institution.objects.create(name="Ministère (banc d'essai)", slug="bench", kind="ministry")
    process = Process.objects.create(
        institution=institution,
        title="Projet de loi pour la reconquête de la biodiversité (banc d'essai)",
        slug="bench-consultation",
        summary="Consultation sur un projet de loi, à grande échelle.",
        status="published",
        published_at=now,
    )
    Phase.objects.create(
        process=process,
        kind="contribution",
        title="Contributions",
        start_date=timezone.localdate() - datetime.timedelta(days=20),
        end_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    attached = ProcessModule.objects.create(process=process, module="consultation", title="Le projet de loi")
    consultation = Consultation.objects.create(attached=attached, text_title="Projet de loi biodiversité")
    version = TextVersion.objects.create(consultation=consultation, number=1)

    # The text: memorandum, 5 titles × 4 chapters × 5 articles, one annex.
    sections: list[Section] = []

    def add(kind: str, number: str, heading: str, body: str, level: int, parent: Section | None) -> Section:
        s = Section.objects.create(
            version=version,
            consultation=consultation,
            parent=parent,
            kind=kind,
            number=number,
            heading=heading,
            body=body,
            level=level,
            position=len(sections),
        )
        sections.append(s)
        return s

    add("memorandum", "", "", "\n\n".join(paragraph(rng, 600) for _ in range(4)), 1, None)
    articles: list[Section] = []
    for t in range(1, TITLES + 1):
        title = add("title", str(t), f"Titre {t}", "", 1, None)
        for c in range(1, CHAPTERS_PER_TITLE + 1):
            chapter = add("chapter", str(c), f"Chapitre {c}", "", 2, title)
            for _a in range(ARTICLES_PER_CHAPTER):
                body = "\n\n".join(paragraph(rng, rng.randint(300, 700)) for _ in range(rng.randint(1, 3)))
                articles.append(add("article", str(len(articles) + 1), "", body, 3, chapter))
    add("annex", "1", "Liste des espèces protégées", paragraph(rng, 1500), 1, None)
    timings["text"] = time.perf_counter() - t0

    # Participants.
    t0 = time.perf_counter()
    User = get_user_model()
    kinds = [k for k, _w in KINDS]
    weights = [w for _k, w in KINDS]
    user_kinds = rng.choices(kinds, weights, k=PARTICIPANTS)
    users = User.objects.bulk_create(
        (
            User(email=f"p{i}@bench.invalid", display_name=f"Participant {i}", kind=user_kinds[i], password="!")
            for i in range(PARTICIPANTS)
        ),
        batch_size=5000,
    )
    user_ids = [u.pk for u in users]
    timings["participants"] = time.perf_counter() - t0

    # Contributions, with counters decided first so that votes and counters agree.
    t0 = time.perf_counter()
    departements = list(Departement.objects.values_list("code", flat=True))
    dep_weights = [5 if code in ("75", "59", "69", "13", "33", "44", "35", "31") else 1 for code in departements]
    article_weights = [1.0 / (r**0.8) for r in range(1, len(articles) + 1)]
    rng.shuffle(article_weights)
    vote_counts = heavy_tail(rng, CONTRIBUTIONS, CONTRIBUTION_VOTES)
    vote_choices = [choices_for(rng, n) for n in vote_counts]
    start = now - datetime.timedelta(days=20)
    n_amend, n_prop = int(CONTRIBUTIONS * 0.3), int(CONTRIBUTIONS * 0.2)
    kinds_of = ["amendment"] * n_amend + ["proposal"] * n_prop + ["argument"] * (CONTRIBUTIONS - n_amend - n_prop)
    objs: list[Contribution] = []
    for i, kind in enumerate(kinds_of):
        section = rng.choices(articles, article_weights)[0]
        author = rng.randrange(PARTICIPANTS)
        chosen = vote_choices[i]
        agree, mitigated = chosen.count("agree"), chosen.count("mitigated")
        disagree = len(chosen) - agree - mitigated
        hidden = rng.random() < 0.01
        if kind == "amendment":
            title, body = f"Amendement {i}", edit(rng, section.body)
        elif kind == "proposal":
            title, body = f"Proposition {i}", paragraph(rng, rng.randint(200, 900))
        else:
            title, body = "", paragraph(rng, rng.randint(100, 600))
        objs.append(
            Contribution(
                consultation=consultation,
                section=section,
                kind=kind,
                stance=rng.choice(["for", "against"]) if kind == "argument" else "",
                title=title,
                body=body,
                author_id=user_ids[author],
                author_kind=user_kinds[author],
                author_label=f"Participant {author}",
                departement_id=rng.choices(departements, dep_weights)[0],
                agree_count=agree,
                mitigated_count=mitigated,
                disagree_count=disagree,
                contested=contested_score(agree, mitigated, disagree),
                created_at=start + datetime.timedelta(seconds=i * 20 * 86400 // CONTRIBUTIONS),
                status="hidden" if hidden else "visible",
                hidden_reason="spam" if hidden else "",
                hidden_at=now if hidden else None,
            )
        )
    created = Contribution.objects.bulk_create(objs, batch_size=2000)
    contribution_ids = [c.pk for c in created]
    # 40 % of the arguments are about an amendment or proposal of the same article.
    targets_by_section: dict[int, list[int]] = {}
    for c in created:
        if c.kind != "argument":
            targets_by_section.setdefault(c.section_id, []).append(c.pk)
    with_parent = []
    for c in created:
        if c.kind == "argument" and rng.random() < 0.4 and targets_by_section.get(c.section_id):
            c.parent_id = rng.choice(targets_by_section[c.section_id])
            with_parent.append(c)
    Contribution.objects.bulk_update(with_parent, ["parent"], batch_size=2000)
    # 2 % answered by the institution.
    answered = rng.sample([c for c in created if c.kind != "argument"], k=int(CONTRIBUTIONS * 0.02))
    verdicts = ["retained", "partly", "not_retained", "out_of_scope"]
    answers = []
    for c in answered:
        c.answer_verdict = rng.choice(verdicts)
        answers.append(
            Answer(
                contribution=c,
                consultation=consultation,
                verdict=c.answer_verdict,
                explanation="Réponse de l'institution : " + sentence(rng, 30),
                answered_at=now,
            )
        )
    Contribution.objects.bulk_update(answered, ["answer_verdict"], batch_size=2000)
    Answer.objects.bulk_create(answers, batch_size=2000)
    from terreau.consultations.services import recount_sections

    recount_sections(Section.objects.filter(consultation=consultation).values_list("pk", flat=True))
    timings["contributions"] = time.perf_counter() - t0

    # Votes: raw inserts (COPY on PostgreSQL).
    t0 = time.perf_counter()
    stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    rows = []
    for pk, chosen in zip(contribution_ids, vote_choices, strict=True):
        voters = rng.sample(user_ids, len(chosen))
        rows.extend(
            (pk, voter, choice, "online", "", stamp, stamp) for voter, choice in zip(voters, chosen, strict=True)
        )
    columns = ["contribution_id", "user_id", "choice", "origin", "offline_source", "created_at", "updated_at"]
    insert_rows(ContributionVote._meta.db_table, columns, rows)
    rows = []
    section_counts = heavy_tail(rng, len(articles), SECTION_VOTES, alpha=0.8)
    for article, n in zip(articles, section_counts, strict=True):
        chosen = choices_for(rng, n)
        voters = rng.sample(user_ids, n)
        rows.extend(
            (article.pk, voter, choice, "online", "", stamp, stamp)
            for voter, choice in zip(voters, chosen, strict=True)
        )
        article.agree_count = chosen.count("agree")
        article.mitigated_count = chosen.count("mitigated")
        article.disagree_count = n - article.agree_count - article.mitigated_count
    columns[0] = "section_id"
    insert_rows(SectionVote._meta.db_table, columns, rows)
    Section.objects.bulk_update(articles, ["agree_count", "mitigated_count", "disagree_count"])
    del rows
    timings["votes"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # Planner statistics and (PostgreSQL) the visibility map, as autovacuum gives a table some time
    # after a bulk load: without it COUNT(*) and deep OFFSETs read the heap instead of the index alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    timings["analyze"] = time.perf_counter() - t0
    return consultation, articles, timings


def measure(client, url: str, repeat: int = REPEAT, before=None) -> tuple[float, float, int, int]:
    """(median ms, p95 ms, queries, bytes) of GET url (`before()` runs untimed before each request)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    client.get(url)
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(executed), len(response.content)


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from terreau.consultations.models import Consultation, Contribution, ContributionVote, Section, SectionVote

    setup_test_environment(debug=False)
    settings.TERREAU_STAFF_MFA_REQUIRED = False
    vendor = connection.vendor
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.gettempdir()) / "terreau_bench_consultation.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_scale"
    keep = os.environ.get("BENCH_KEEPDB") == "1"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)
    try:
        t0 = time.perf_counter()
        existing = Consultation.objects.first() if keep else None
        if existing is None:
            consultation, articles, timings = build()
        else:  # BENCH_KEEPDB=1 and a previous run's data: measure again without rebuilding
            consultation, timings = existing, {}
            articles = list(Section.objects.filter(consultation=existing, kind="article").order_by("position"))
        built = time.perf_counter() - t0
        n_contrib = Contribution.objects.count()
        n_votes = ContributionVote.objects.count() + SectionVote.objects.count()
        n_users = get_user_model().objects.count()
        print(
            f"database: {vendor} ({connection.Database.__name__} {getattr(connection.Database, 'sqlite_version', '')}"
            f"{connection.pg_version if vendor == 'postgresql' else ''}); built {n_users:,} participants, "
            f"{n_contrib:,} contributions, {n_votes:,} votes in {built:.0f} s "
            f"({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())})"
        )
        pk = consultation.attached_id
        busiest = max(articles, key=lambda a: a.contributions.count())
        top = Contribution.objects.filter(kind="amendment", status="visible").order_by("-agree_count", "-id").first()
        voter = ContributionVote.objects.filter(contribution=top).values_list("user_id", flat=True).first()
        base = f"/consultations/{pk}/contributions/"
        pages = [
            ("baseline: /sante/ (one trivial query, JSON)", "/sante/"),
            ("baseline: /credits/ (base layout, no data)", "/credits/"),
            ("text page (version 1, 126 sections)", f"/consultations/{pk}/"),
            ("text page, right after a change (document cache empty)", f"/consultations/{pk}/"),
            (f"article page (busiest: {busiest.contributions.count():,} contributions)", busiest.get_absolute_url()),
            ("article page, signed-in voter", busiest.get_absolute_url()),
            ("contribution page (top amendment)", top.get_absolute_url()),
            ("list: most supported, page 1", f"{base}?sort=supported"),
            ("list: most contested, page 1", f"{base}?sort=contested"),
            ("list: newest, page 1", f"{base}?sort=newest"),
            ("list: random, page 1", f"{base}?sort=random"),
            ("list: most supported, page 500 (deepest)", f"{base}?sort=supported&page=500"),
            ("list: newest, page 500", f"{base}?sort=newest&page=500"),
            ("list: random, page 500", f"{base}?sort=random&page=500"),
            ("list: amendments, most contested", f"{base}?kind=amendment&sort=contested"),
            ("list: associations, most supported", f"{base}?author_kind=association&sort=supported"),
            ("list: département 59, newest", f"{base}?departement=59&sort=newest"),
            ("list: busiest article, most supported", f"{base}?section={busiest.pk}&sort=supported"),
            ("list: unanswered, most contested, page 200", f"{base}?answer=unanswered&sort=contested&page=200"),
            ("list: retained answers", f"{base}?answer=retained"),
            (
                "list: proposals × citizens × dép. 75, contested",
                f"{base}?kind=proposal&author_kind=citizen&departement=75&sort=contested",
            ),
        ]
        anonymous, signed_in = Client(), Client()
        signed_in.force_login(get_user_model().objects.get(pk=voter))
        results = []
        for label, url in pages:
            client = signed_in if "signed-in" in label else anonymous
            before = cache.clear if "cache empty" in label else None
            results.append((label, url, *measure(client, url, before=before)))
        baseline = results[1][2]
        print()
        print(f"| page | median | p95 | × /credits/ | queries | HTML | < {TARGET_MS:.0f} ms |")
        print("|---|---|---|---|---|---|---|")
        for label, _url, median, p95, queries, size in results:
            ok = "yes" if p95 < TARGET_MS else ("median only" if median < TARGET_MS else "**no**")
            print(
                f"| {label} | {median:.1f} ms | {p95:.1f} ms | {median / baseline:.1f}× | {queries} "
                f"| {size / 1024:.0f} KB | {ok} |"
            )
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
