"""Fraud rules: per-submission cache counters and the periodic cluster finder."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import caches
from hypothesis import given, settings
from hypothesis import strategies as st

from terreau.petitions import fraud
from terreau.petitions.fraud import Cluster, SignatureRow, assess_signature, find_clusters, ip_range

LIMITS = {
    "window": 3600,
    "ip_limit": 3,
    "range_limit": 10,
    "range_share": 0.2,
    "domain_limit": 10,
    "domain_share": 0.2,
    "country_limit": 10,
    "country_share": 0.3,
}


@pytest.fixture
def limits(settings):
    settings.TERREAU_PETITION_FRAUD = dict(LIMITS)
    return settings.TERREAU_PETITION_FRAUD


def sign(petition_id=1, ip="203.0.113.7", domain="exemple.fr", country=None):
    return assess_signature(petition_id=petition_id, ip=ip, email_domain=domain, country=country)


# --- ip_range -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.7", "203.0.113.0/24"),
        ("203.0.113.250", "203.0.113.0/24"),
        ("::ffff:203.0.113.7", "203.0.113.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ("2001:DB8:ABCD:ffff::2", "2001:db8:abcd::/48"),
        ("not an ip", "unknown"),
        ("", "unknown"),
    ],
)
def test_ip_range(ip, network):
    assert ip_range(ip) == network


# --- assess_signature -----------------------------------------------------------------


def test_ordinary_signatures_are_not_suspicious(limits):
    assert sign(ip="198.51.100.1", domain="gmail.com") == []
    assert sign(ip="198.51.100.2", domain="orange.fr", country="FR") == []
    assert sign(ip="2001:db8::1", domain="greenpeace.fr", country="BE") == []


def test_disposable_domain(limits):
    assert sign(domain="mailinator.com") == ["disposable"]


def test_ip_rate_per_petition(limits):
    results = [sign(petition_id=1, ip="203.0.113.7", domain="gmail.com") for _ in range(5)]
    assert results == [[], [], [], ["ip_rate"], ["ip_rate"]]
    # Another petition and another address of the same range are not affected.
    assert sign(petition_id=2, ip="203.0.113.7", domain="gmail.com") == []
    assert sign(petition_id=1, ip="203.0.113.8", domain="gmail.com") == []


def test_ip_range_rate_needs_a_large_share(limits):
    flagged = [sign(petition_id=1, ip=f"203.0.113.{i}", domain="gmail.com") for i in range(1, 13)]
    assert flagged[:10] == [[]] * 10
    assert flagged[10:] == [["ip_range_rate"]] * 2
    # On a busy petition the same range is a small share: not flagged.
    for i in range(200):
        sign(petition_id=2, ip=f"10.{i}.0.1", domain="gmail.com")
    busy = [sign(petition_id=2, ip=f"203.0.113.{i}", domain="gmail.com") for i in range(1, 13)]
    assert busy == [[]] * 12


def test_ipv6_range_is_a_48(limits):
    results = [sign(ip=f"2001:db8:abcd:{i:x}::1", domain="gmail.com") for i in range(12)]
    assert results[-1] == ["ip_range_rate"]
    assert sign(ip="2001:db8:abce::1", domain="gmail.com") == []


def test_domain_rate_ignores_webmail(limits):
    corporate = [sign(ip=f"10.{i}.0.1", domain="entreprise-exemple.fr") for i in range(12)]
    assert corporate[-1] == ["domain_rate"] and corporate[0] == []
    webmail = [sign(petition_id=3, ip=f"10.{i}.0.1", domain="gmail.com") for i in range(30)]
    assert webmail == [[]] * 30


def test_country_rate_outside_home_countries(limits):
    home = [sign(ip=f"10.{i}.0.1", domain="gmail.com", country="FR") for i in range(30)]
    assert home == [[]] * 30
    abroad = [sign(petition_id=4, ip=f"10.{i}.0.1", domain="gmail.com", country="xx") for i in range(12)]
    assert abroad[-1] == ["country_rate"]
    assert sign(petition_id=4, ip="10.99.0.1", domain="gmail.com", country="RE") == []  # La Réunion is home


def test_several_reasons_at_once(limits):
    for _ in range(3):
        sign(ip="203.0.113.7", domain="yopmail.com")
    assert sign(ip="203.0.113.7", domain="yopmail.com") == ["disposable", "ip_rate"]


def test_sliding_window(limits, monkeypatch):
    clock = [1_000_000 * 3600.0]  # the start of a window
    monkeypatch.setattr(fraud.time, "time", lambda: clock[0])
    assert [sign() for _ in range(3)] == [[], [], []]
    # Half-way through the next window half of the previous one still counts: 1 + 3 × 0.5.
    clock[0] += 3600 * 1.5
    assert sign() == []
    assert sign() == ["ip_rate"]  # 2 + 1.5 > 3
    # Two windows later everything is forgotten.
    clock[0] += 3600 * 2
    assert sign() == []


def test_disabled(settings):
    settings.TERREAU_PETITION_FRAUD = {**LIMITS, "enabled": False}
    assert [sign(domain="mailinator.com") for _ in range(10)] == [[]] * 10


def test_defaults_apply_for_missing_keys(settings):
    settings.TERREAU_PETITION_FRAUD = {"ip_limit": 1}
    assert fraud.config()["range_limit"] == fraud.DEFAULTS["range_limit"]
    assert [sign(), sign()] == [[], ["ip_rate"]]


def _count_concurrently():
    barrier = threading.Barrier(16)
    results = []
    lock = threading.Lock()

    def worker():
        barrier.wait()
        for _ in range(5):
            reasons = sign(ip="192.0.2.1", domain="gmail.com")
            with lock:
                results.append(reasons)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 80
    return results


def test_concurrent_counting_is_exact(limits):
    results = _count_concurrently()
    assert len(results) == 80
    # Exactly the first ip_limit (3) hits are under the limit, whoever made them.
    assert sum(r == [] for r in results) == 3


def _redis_or_skip(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-fraud-{random.getrandbits(64):x}",
        }
    }
    try:
        caches["default"].set("ping", 1, 5)
    except Exception:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")


def test_counters_work_on_redis(limits, settings):
    _redis_or_skip(settings)
    assert caches["default"].__class__.__name__ == "RedisCache"
    pid = random.getrandbits(30)
    results = [sign(petition_id=pid, ip="203.0.113.9") for _ in range(5)]
    assert results == [[], [], [], ["ip_rate"], ["ip_rate"]]


submissions = st.lists(
    st.builds(
        fraud.Submission,
        petition_id=st.integers(1, 3),
        ip=st.sampled_from(["203.0.113.7", "203.0.113.8", "198.51.100.1", "2001:db8::1", "", "garbage"]),
        email_domain=st.sampled_from(["gmail.com", "entreprise-exemple.fr", "yopmail.com", ""]),
        country=st.sampled_from([None, "FR", "DE", "xx"]),
    ),
    max_size=40,
)


@pytest.mark.parametrize("backend", ["locmem", "redis"])
@settings(max_examples=25, deadline=None)
@given(batch=submissions)
def test_a_batch_is_assessed_like_the_same_signatures_one_by_one(backend, batch):
    """The confirmation batch assesses up to 200 signatures in one call (one Redis round
    trip): each must get the reasons it would have got alone, in submission order."""
    from django.test import override_settings

    cfg = {**fraud.DEFAULTS, **LIMITS}
    location = "redis://127.0.0.1:6379/0" if backend == "redis" else "batch-test"
    kind = "redis.RedisCache" if backend == "redis" else "locmem.LocMemCache"

    def fresh_cache():
        prefix = f"test-batch-{random.getrandbits(64):x}"
        return {
            "default": {"BACKEND": f"django.core.cache.backends.{kind}", "LOCATION": location, "KEY_PREFIX": prefix}
        }

    with override_settings(TERREAU_PETITION_FRAUD=cfg, CACHES=fresh_cache()):
        try:
            caches["default"].set("ping", 1, 5)
        except Exception:
            pytest.skip("Redis is not reachable on 127.0.0.1:6379")
        together = fraud.assess_signatures(batch)
    with override_settings(TERREAU_PETITION_FRAUD=cfg, CACHES=fresh_cache()):
        alone = [fraud.assess_signatures([one])[0] for one in batch]
    assert together == alone


# --- find_clusters --------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FOREIGN = ["BE", "CH", "DE", "ES", "IT", "CA", "US", "GB", "MA", "SN"]


def uniform_rows(n: int, *, days: float, ranges: int, domains: int, seed: int, start_id: int = 1) -> list[SignatureRow]:
    """Evenly spread traffic: round-robin ranges and domains, jittered even spacing."""
    rng = random.Random(seed)
    span = timedelta(days=days).total_seconds()
    step = span / max(n, 1)
    rows = []
    for i in range(n):
        t = NOW - timedelta(seconds=span - i * step - rng.random() * step * 0.9)
        country = FOREIGN[i % len(FOREIGN)] if i % 10 == 0 else "FR"
        domain = "gmail.com" if i % 3 == 0 else f"asso{i % domains}.fr"
        rows.append(SignatureRow(start_id + i, t, f"10.{i % ranges}.{seed % 250}.0/24", domain, country))
    return rows


def test_no_rows_no_clusters():
    assert find_clusters([], now=NOW) == []


def test_planted_ip_range_cluster_is_found():
    rows = uniform_rows(1000, days=5, ranges=100, domains=100, seed=1)
    planted = [
        SignatureRow(10_000 + i, NOW - timedelta(days=2, seconds=i * 600), "203.0.113.0/24", "gmail.com", "FR")
        for i in range(200)
    ]
    clusters = find_clusters(rows + planted, now=NOW)
    assert [c.kind for c in clusters] == ["ip_range"]
    cluster = clusters[0]
    assert cluster.key == "203.0.113.0/24"
    assert cluster.count == 200 and cluster.ids == tuple(r.id for r in sorted(planted, key=lambda r: r.id))
    assert cluster.share == pytest.approx(200 / 1200)
    assert cluster.first == min(r.created for r in planted) and cluster.last == max(r.created for r in planted)


def test_planted_domain_cluster_is_found_but_webmail_is_ignored():
    rows = uniform_rows(1000, days=5, ranges=100, domains=100, seed=2)
    planted = [
        SignatureRow(10_000 + i, NOW - timedelta(hours=i), f"198.51.{i}.0/24", "entreprise-exemple.fr", "FR")
        for i in range(150)
    ]
    webmail = [
        SignatureRow(20_000 + i, NOW - timedelta(hours=i), f"192.0.{i}.0/24", "orange.fr", "FR") for i in range(200)
    ]
    clusters = find_clusters(rows + planted + webmail, now=NOW)
    assert [(c.kind, c.key, c.count) for c in clusters] == [("domain", "entreprise-exemple.fr", 150)]


def test_planted_country_cluster_is_found():
    rows = uniform_rows(500, days=5, ranges=100, domains=100, seed=3)
    planted = [
        SignatureRow(10_000 + i, NOW - timedelta(hours=i), f"198.51.{i}.0/24", f"d{i}.example", "VN")
        for i in range(300)
    ]
    clusters = find_clusters(rows + planted, now=NOW)
    assert [(c.kind, c.key, c.count) for c in clusters] == [("country", "VN", 300)]


def test_planted_burst_is_found():
    rows = uniform_rows(2000, days=10, ranges=200, domains=200, seed=4)
    burst_start = NOW - timedelta(days=3)
    planted = [
        SignatureRow(
            10_000 + i, burst_start + timedelta(seconds=i), f"100.{i % 250}.{i // 250}.0/24", "gmail.com", "FR"
        )
        for i in range(300)
    ]
    clusters = find_clusters(rows + planted, now=NOW)
    assert [c.kind for c in clusters] == ["burst"]
    burst = clusters[0]
    planted_ids = {r.id for r in planted}
    assert planted_ids <= set(burst.ids)
    assert len(set(burst.ids) - planted_ids) <= 5  # at most the background of one window
    assert burst.first <= burst_start + timedelta(seconds=1)
    assert burst.last >= burst_start + timedelta(seconds=299)


def test_thresholds_can_be_passed_or_set(settings):
    rows = [SignatureRow(i, NOW - timedelta(minutes=i), "203.0.113.0/24", "gmail.com", "FR") for i in range(30)]
    assert find_clusters(rows, now=NOW) == []  # below the default min_count (50)
    assert [c.kind for c in find_clusters(rows, now=NOW, min_count=20)] == ["ip_range"]
    settings.TERREAU_PETITION_FRAUD = {"cluster_min_count": 20}
    assert [c.kind for c in find_clusters(rows, now=NOW)] == ["ip_range"]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=3000),
    days=st.floats(min_value=0.5, max_value=60),
    ranges=st.integers(min_value=20, max_value=300),
    domains=st.integers(min_value=20, max_value=300),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_uniform_traffic_has_no_clusters(n, days, ranges, domains, seed):
    rows = uniform_rows(n, days=days, ranges=ranges, domains=domains, seed=seed)
    assert find_clusters(rows, now=NOW) == []


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=100, max_value=2000),
    planted=st.integers(min_value=60, max_value=600),
    kind=st.sampled_from(["ip_range", "domain", "burst"]),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_planted_clusters_are_found(n, planted, kind, seed):
    rows = uniform_rows(n, days=20, ranges=100, domains=100, seed=seed)
    at = NOW - timedelta(days=random.Random(seed).uniform(1, 19))
    extra = []
    for i in range(planted):
        if kind == "burst":  # one signature a second, spread over many ranges and webmail
            extra.append(SignatureRow(100_000 + i, at + timedelta(seconds=i), f"100.{i}.0.0/24", "gmail.com", "FR"))
        else:  # spread over days, so no burst, concentrated on one range or domain
            created = at - timedelta(minutes=37 * i)
            network = "203.0.113.0/24" if kind == "ip_range" else f"100.{i}.0.0/24"
            domain = "entreprise-exemple.fr" if kind == "domain" else "gmail.com"
            extra.append(SignatureRow(100_000 + i, created, network, domain, "FR"))
    share = planted / (n + planted)
    clusters = find_clusters(rows + extra, now=NOW, min_count=50, burst_min_count=50)
    found = [c for c in clusters if c.kind == kind]
    if kind != "burst" and share < 0.1:
        assert found == []
        return
    if kind == "burst" and planted < 50:
        return
    assert found, clusters
    planted_ids = {r.id for r in extra}
    covered = set().union(*(set(c.ids) for c in found))
    assert planted_ids <= covered
    assert all(isinstance(c, Cluster) and c.count == len(c.ids) for c in clusters)


def test_concurrent_counting_is_exact_on_redis(limits, settings):
    _redis_or_skip(settings)
    results = _count_concurrently()
    assert len(results) == 80
    assert sum(r == [] for r in results) == 3


def test_sliding_window_on_redis(limits, settings, monkeypatch):
    _redis_or_skip(settings)
    test_sliding_window(limits, monkeypatch)


# --- find_clusters_in_db: the same answer as find_clusters, grouped by the database -------


def _store(petition, rows: list[SignatureRow]) -> list[SignatureRow]:
    """Signatures for these rows; returns the rows as the database holds them."""
    from terreau.petitions.models import Signature

    Signature.objects.bulk_create(
        Signature(
            petition=petition,
            name="S",
            email=f"s{r.id}@{r.email_domain}",
            email_normalized=f"s{r.id}@{r.email_domain}",
            email_domain=r.email_domain,
            ip_range=r.ip_range,
            country=r.country or "",
            flags=[str(r.id)],
        )
        for r in rows
    )
    by_row = {r.id: r for r in rows}
    stored = []
    for pk, flags in Signature.objects.filter(petition=petition).values_list("pk", "flags"):
        r = by_row[int(flags[0])]
        Signature.objects.filter(pk=pk).update(created_at=r.created)
        stored.append(SignatureRow(pk, r.created, r.ip_range, r.email_domain, r.country))
    return stored


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_database_grouping_matches_the_python_rules(open_petition, seed):
    from terreau.petitions.models import Signature

    rows = uniform_rows(400, days=10, ranges=60, domains=60, seed=seed)
    at = NOW - timedelta(days=3 + seed)
    planted = [  # a burst of webmail signatures, a range and a domain spread over days
        *(SignatureRow(10_000 + i, at + timedelta(seconds=2 * i), f"100.{i}.0.0/24", "gmail.com") for i in range(120)),
        *(SignatureRow(20_000 + i, at - timedelta(minutes=41 * i), "203.0.113.0/24", "orange.fr") for i in range(70)),
        *(SignatureRow(30_000 + i, at - timedelta(minutes=53 * i), f"198.{i}.0.0/24", "ent.fr") for i in range(80)),
        *(
            SignatureRow(40_000 + i, at - timedelta(minutes=37 * i), f"203.{i}.1.0/24", f"d{i}.example", "VN")
            for i in range(90)
        ),
    ]
    stored = _store(open_petition, rows + planted)
    kw = {
        "now": NOW,
        "min_count": 50,
        "burst_min_count": 50,
        "range_share": 0.09,
        "domain_share": 0.09,
        "country_share": 0.09,
    }
    expected = find_clusters(stored, **kw)
    got = fraud.find_clusters_in_db(Signature.objects.filter(petition=open_petition), **kw)
    assert {c.kind for c in expected} == {"ip_range", "domain", "country", "burst"}
    assert [c.key for c in expected if c.kind == "country"] == ["VN"]
    assert got == expected
