"""Benchmark: paginating 10,000 comments on one process, keyset vs OFFSET.

    .venv/bin/python bench/comments_pagination.py                      # SQLite (temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/terreau .venv/bin/python bench/comments_pagination.py

Builds a throw-away test database (never your data), puts 10,000 comments on one process
(7,000 threads and 3,000 replies, 200 authors), then measures, for the first, a middle and
the last page of threads:

- server time: a full GET of the comments block through Django (middleware, view, the three
  queries, template rendering), as htmx fetches it;
- data time, keyset: `queries.thread_page()` (roots by (created_at, id) cursor + replies in
  one query + a count);
- data time, OFFSET baseline: the same page with Django's Paginator (COUNT + LIMIT/OFFSET on
  the same ordering and index) + the same replies query.

- roots query alone (ids only), keyset vs OFFSET: the cost of the pagination strategy itself.

Each figure is the median of REPEAT runs (after one warm-up). Prints a Markdown table.
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

TOTAL = 10_000
ROOTS = 7_000
AUTHORS = 200
REPEAT = 30
PER_PAGE = 20


def build(seed: int = 42):
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from terreau.core.markdown import render_markdown
    from terreau.discussions.models import Comment
    from terreau.processes.models import Institution, Phase, Process

    rng = random.Random(seed)
    institution = Institution.objects.create(name="Bench", slug="bench", kind="commune")
    now = timezone.now()
    process = Process.objects.create(
        institution=institution,
        title="Bench",
        slug="bench",
        summary="Bench",
        status="published",
        published_at=now,
    )
    Phase.objects.create(
        process=process,
        kind="contribution",
        title="Contributions",
        start_date=timezone.localdate() - datetime.timedelta(days=1),
        end_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    User = get_user_model()
    authors = User.objects.bulk_create(
        [User(email=f"bench{i}@example.org", display_name=f"Participant {i}", password="!") for i in range(AUTHORS)]
    )
    ct = ContentType.objects.get_for_model(Process)
    start = now - datetime.timedelta(seconds=TOTAL * 60)
    body = "Un avis **argumenté** sur la démarche, avec une [source](https://example.org). " * 3
    html = str(render_markdown(body))  # what services.post_comment stores
    roots = Comment.objects.bulk_create(
        [
            Comment(
                content_type=ct,
                object_id=process.pk,
                process=process,
                institution_id=process.institution_id,
                author=rng.choice(authors),
                body=f"#{i} {body}",
                body_html=f"<p>#{i}</p>{html}",
                created_at=start + datetime.timedelta(seconds=60 * i),
            )
            for i in range(ROOTS)
        ],
        batch_size=1000,
    )
    replies: list[Comment] = []
    level1: list[Comment] = []
    for i in range(TOTAL - ROOTS):
        if level1 and rng.random() < 0.3:
            parent = rng.choice(level1)
            thread, depth = parent.thread_id, 2
        else:
            parent = rng.choice(roots)
            thread, depth = parent.pk, 1
        reply = Comment(
            content_type=ct,
            object_id=process.pk,
            process=process,
            author=rng.choice(authors),
            body=f"Réponse {i}. {body}",
            body_html=f"<p>Réponse {i}.</p>{html}",
            parent=parent,
            thread_id=thread,
            depth=depth,
            created_at=parent.created_at + datetime.timedelta(seconds=1 + i % 50),
        )
        reply.save()  # one by one: level-2 replies need their parent's pk
        replies.append(reply)
        if depth == 1:
            level1.append(reply)
    assert Comment.objects.filter(process=process).count() == TOTAL
    with connection.cursor() as cursor:  # planner statistics, as autovacuum / a routine ANALYZE would give
        cursor.execute("ANALYZE")
    return process


def median_ms(fn, repeat: int = REPEAT) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def offset_page(process, number: int):
    """The naive baseline: Django's Paginator (COUNT + OFFSET) over the same ordering."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.paginator import Paginator

    from terreau.discussions import queries
    from terreau.discussions.models import Comment

    ct = ContentType.objects.get_for_model(process)
    roots_qs = queries._safe_body(
        queries._with_author(Comment.objects.filter(content_type=ct, object_id=process.pk, depth=0))
    ).order_by("-created_at", "-id")
    page = Paginator(roots_qs, PER_PAGE).page(number)
    roots = queries._materialize(page.object_list)
    replies = queries.replies_of([c.pk for c in roots])
    return queries.build_threads(roots, replies)


def roots_sql(process, number: int, cursor: str | None, keyset: bool) -> list[int]:
    """The roots query alone (ids only): what the pagination strategy itself costs."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from terreau.discussions import queries
    from terreau.discussions.models import Comment

    ct = ContentType.objects.get_for_model(process)
    qs = Comment.objects.filter(content_type=ct, object_id=process.pk, depth=0).order_by("-created_at", "-id")
    if not keyset:
        start = (number - 1) * PER_PAGE
        return list(qs.values_list("pk", flat=True)[start : start + PER_PAGE])
    position = queries.parse_cursor(cursor)
    if position:
        when, pk = position
        qs = qs.filter(Q(created_at__lte=when) & (Q(created_at__lt=when) | Q(pk__lt=pk)))
    return list(qs.values_list("pk", flat=True)[: PER_PAGE + 1])


def main() -> None:
    from django.test import Client

    from terreau.discussions import queries
    from terreau.discussions.models import Comment

    setup_test_environment(debug=False)
    settings.TERREAU_STAFF_MFA_REQUIRED = False
    vendor = connection.vendor
    if vendor == "sqlite":
        path = Path(tempfile.gettempdir()) / "terreau_bench_comments.sqlite3"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(path)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        t0 = time.perf_counter()
        process = build()
        print(
            f"database: {vendor} {connection.Database.__name__}; "
            f"built {TOTAL} comments in {time.perf_counter() - t0:.1f} s"
        )
        root_ids = list(
            Comment.objects.filter(process=process, depth=0).order_by("-created_at", "-id").values_list("pk", flat=True)
        )
        pages = (len(root_ids) + PER_PAGE - 1) // PER_PAGE
        positions = {"first": 1, "middle": pages // 2, "last": pages}
        client = Client()
        url = f"/discussions/processes/process/{process.pk}/"
        rows = []
        for label, number in positions.items():
            cursor = None
            if number > 1:
                previous_last = Comment.objects.get(pk=root_ids[(number - 1) * PER_PAGE - 1])
                cursor = queries.make_cursor(previous_last)
            keyset_ids = [n.comment.pk for n in queries.thread_page(process, after=cursor).threads]
            offset_ids = [n.comment.pk for n in offset_page(process, number)]
            assert keyset_ids == offset_ids, (label, keyset_ids[:3], offset_ids[:3])
            params = {"comments_after": cursor} if cursor else {}
            response = client.get(url, params, HTTP_HX_REQUEST="true")
            assert response.status_code == 200 and b"commentaire-" in response.content
            executed: list[str] = []

            def count(execute, sql, params, many, context, executed=executed):
                executed.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):  # survives the reconnect of each request
                client.get(url, params, HTTP_HX_REQUEST="true")
            server = median_ms(lambda p=params: client.get(url, p, HTTP_HX_REQUEST="true"))
            keyset = median_ms(lambda c=cursor: queries.thread_page(process, after=c))
            offset = median_ms(lambda n=number: offset_page(process, n))
            sql_keyset = median_ms(lambda n=number, c=cursor: roots_sql(process, n, c, True), repeat=REPEAT * 3)
            sql_offset = median_ms(lambda n=number, c=cursor: roots_sql(process, n, c, False), repeat=REPEAT * 3)
            rows.append((label, number, pages, len(executed), server, keyset, offset, sql_keyset, sql_offset))
        print()
        print(
            "| page | server time (GET, keyset) | queries | page data: keyset | page data: OFFSET | ratio "
            "| roots query: keyset | roots query: OFFSET | ratio |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for label, number, pages, nq, server, keyset, offset, sql_k, sql_o in rows:
            print(
                f"| {label} ({number}/{pages}) | {server:.1f} ms | {nq} | {keyset:.2f} ms | {offset:.2f} ms "
                f"| {offset / keyset:.1f}× | {sql_k:.2f} ms | {sql_o:.2f} ms | {sql_o / sql_k:.1f}× |"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
