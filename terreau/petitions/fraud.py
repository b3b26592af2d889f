"""Fraud rules for petition signatures (see docs/petitions.md, "Fraud rules").

Two halves, as in the UK petitions service:

- `assess_signatures()` runs after submission: for an anonymous signature when the
  confirmation batch picks it up (before its email is sent, so before it can be confirmed),
  for a signed-in one at once. It counts each signature in cache counters (per IP, per IP
  range, per email domain, per country, per petition) and returns the reason codes that
  make it suspicious. The caller keeps the signature but marks it and leaves it out of the
  count; the signer is told nothing. Counters are atomic cache
  `incr`/`add` calls, so they hold across web workers with Redis and per process with the
  local-memory cache.
- `find_clusters()` is a pure function over one petition's signatures: IP ranges,
  non-webmail domains or countries holding an unusual share, and time bursts far above the
  petition's own baseline rate. The periodic job runs the same rules with
  `find_clusters_in_db()`, which groups in SQL and fetches the flagged rows only.

Thresholds come from ``settings.TERREAU_PETITION_FRAUD`` (any key missing falls back to
`DEFAULTS`).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db.models import Count, FloatField, Func, Max, Min, Q
from django.db.models.functions import Floor

from .emails import is_disposable, is_webmail

DEFAULTS: dict[str, Any] = {
    "enabled": True,
    # Sliding window for the per-submission counters, in seconds.
    "window": 3600,
    # One IP address: a household or a small office signs a few times; more is a script.
    "ip_limit": 10,
    # One /24 (IPv4) or /48 (IPv6): counted per petition; flagged above the limit *and* when
    # the range holds more than `range_share` of the petition's signatures in the window
    # (so a viral petition raises the bar by itself).
    "range_limit": 50,
    "range_share": 0.2,
    # One non-webmail email domain (webmail domains are ignored for this rule).
    "domain_limit": 100,
    "domain_share": 0.2,
    # One country outside `home_countries` (when the caller knows the country).
    "country_limit": 100,
    "country_share": 0.3,
    "home_countries": ["FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"],
    # Periodic cluster detection (`find_clusters`).
    "cluster_min_count": 50,
    "cluster_range_share": 0.1,
    "cluster_domain_share": 0.1,
    "cluster_country_share": 0.3,
    "burst_window": 600,
    "burst_factor": 10.0,
    "burst_min_count": 100,
}

REASONS = ("disposable", "ip_rate", "ip_range_rate", "domain_rate", "country_rate")


def config() -> dict[str, Any]:
    """The fraud settings in force: DEFAULTS overridden by settings.TERREAU_PETITION_FRAUD."""
    return {**DEFAULTS, **getattr(settings, "TERREAU_PETITION_FRAUD", {})}


@functools.lru_cache(maxsize=4096)
def ip_range(ip: str) -> str:
    """The network an address belongs to for the range rules: /24 for IPv4, /48 for IPv6.

    IPv4-mapped IPv6 addresses count as IPv4; anything unparsable is "unknown".
    """
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


# --- Per-submission counters ----------------------------------------------------------


def _key(kind: str, petition_id: int, value: str, window: int) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:24]
    return f"pf:{kind}:{petition_id}:{digest}:{window}"


def _bump(key: str, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # first hit in this window (or the key just expired)
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)


# INCR and EXPIRE each key of the first half of KEYS, GET each key of the second half:
# one command (EVALSHA) to pack and one reply to parse, instead of a pipeline of 2n + 1.
_COUNT_SCRIPT = """
local n = #KEYS / 2
local out = {}
for i = 1, n do
  out[i] = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
for i = n + 1, 2 * n do
  out[i] = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
end
return out
"""


def _bump_all(current: list[str], previous: list[str], timeout: int) -> tuple[list[int], list[int]]:
    """Increment every `current` key, read every `previous` one: atomic per key.

    On Redis, one server-side script call instead of ~9 round trips: this runs on every
    signature. Other backends go through the portable cache API.
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Django builds a new Redis client object on every get_client() call; the client is
        # thread-safe and the backend object is per thread, so keep one (and its script) on it.
        script = getattr(backend, "_terreau_count_script", None)
        if script is None:
            client = backend._cache.get_client(write=True)
            script = backend._terreau_count_script = client.register_script(_COUNT_SCRIPT)
        keys = [backend.make_and_validate_key(key) for key in (*current, *previous)]
        replies = script(keys=keys, args=[timeout])
        n = len(current)
        return [int(v) for v in replies[:n]], [_as_int(v) for v in replies[n:]]
    counts = [_bump(key, timeout) for key in current]
    found = cache.get_many(previous)
    return counts, [_as_int(found.get(key)) for key in previous]


def _as_int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


class Submission(NamedTuple):
    """What the per-submission rules look at."""

    petition_id: int
    ip: str
    email_domain: str
    country: str | None = None


def _counts(submissions: list[tuple[int, dict[str, str]]], period: int) -> list[dict[str, float]]:
    """Count one hit on each (kind → value) of each submission, in order, and return
    sliding-window estimates (each submission sees the hits of those before it).

    Two fixed windows: the current count plus the previous one weighted by how much of it
    still overlaps the last `period` seconds (the approximation core.ratelimit uses).
    """
    now = time.time()
    window = int(now // period)
    overlap = 1 - (now - window * period) / period
    current_keys, previous_keys = [], []
    for petition_id, keys in submissions:
        for kind, value in keys.items():
            current_keys.append(_key(kind, petition_id, value, window))
            previous_keys.append(_key(kind, petition_id, value, window - 1))
    current, previous = _bump_all(current_keys, previous_keys, period * 2 + 1)
    out, i = [], 0
    for _petition_id, keys in submissions:
        counts = {}
        for kind in keys:
            counts[kind] = current[i] + previous[i] * overlap
            i += 1
        out.append(counts)
    return out


def assess_signature(*, petition_id: int, ip: str, email_domain: str, country: str | None = None) -> list[str]:
    """`assess_signatures()` for one submission."""
    return assess_signatures([Submission(petition_id, ip, email_domain, country)])[0]


def assess_signatures(submissions: list[Submission]) -> list[list[str]]:
    """Count these signatures, in order, and return why each looks suspicious ([] when not).

    Reason codes, in this order: "disposable" (throw-away mailbox provider), "ip_rate"
    (too many signatures from this IP on this petition), "ip_range_rate" (same for its /24
    or /48, when it is also a large share of the petition's recent signatures),
    "domain_rate" (same for a non-webmail email domain), "country_rate" (same for a country
    outside the home countries). Call it once per submitted signature: it counts. On Redis
    the whole list costs one round trip, so the confirmation batch assesses 200 at a time.
    """
    cfg = config()
    if not cfg["enabled"] or not submissions:
        return [[] for _ in submissions]
    home = {c.upper() for c in cfg["home_countries"]}
    prepared = []
    for sub in submissions:
        domain = sub.email_domain.strip().lower()
        ip = (sub.ip or "").strip() or "unknown"
        network = ip_range(ip)
        keys = {"petition": "all", "ip": ip, "range": network}
        if domain and not is_webmail(domain):
            keys["domain"] = domain
        country = (sub.country or "").strip().upper() or None
        if country and country not in home:
            keys["country"] = country
        prepared.append((sub.petition_id, keys, domain, network))
    all_counts = _counts([(petition_id, keys) for petition_id, keys, _d, _n in prepared], int(cfg["window"]))
    return [
        _reasons(cfg, counts, keys, domain, network)
        for (_p, keys, domain, network), counts in zip(prepared, all_counts, strict=True)
    ]


def _reasons(
    cfg: dict[str, Any], counts: dict[str, float], keys: dict[str, str], domain: str, network: str
) -> list[str]:
    total = max(counts["petition"], 1.0)

    def over(kind: str, limit: str, share: str | None = None) -> bool:
        if kind not in counts or counts[kind] <= cfg[limit]:
            return False
        return share is None or counts[kind] > cfg[share] * total

    reasons = []
    if domain and is_disposable(domain):
        reasons.append("disposable")
    if keys["ip"] != "unknown" and over("ip", "ip_limit"):
        reasons.append("ip_rate")
    if network != "unknown" and over("range", "range_limit", "range_share"):
        reasons.append("ip_range_rate")
    if over("domain", "domain_limit", "domain_share"):
        reasons.append("domain_rate")
    if over("country", "country_limit", "country_share"):
        reasons.append("country_rate")
    return reasons


# --- Periodic cluster detection -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignatureRow:
    id: int
    created: datetime
    ip_range: str
    email_domain: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    kind: str  # "ip_range", "domain", "country" or "burst"
    key: str  # the range, domain or country; for a burst, its start (ISO 8601)
    count: int
    share: float  # count / signatures examined
    first: datetime
    last: datetime
    ids: tuple[int, ...]


def _cluster(kind: str, key: str, members: list[SignatureRow], total: int) -> Cluster:
    created = [r.created for r in members]
    return Cluster(
        kind=kind,
        key=key,
        count=len(members),
        share=len(members) / total,
        first=min(created),
        last=max(created),
        ids=tuple(sorted(r.id for r in members)),
    )


def _share_clusters(kind: str, groups: dict[str, list[SignatureRow]], total: int, min_count: int, share: float):
    for key, members in groups.items():
        if len(members) >= min_count and len(members) / total >= share:
            yield _cluster(kind, key, members, total)


def _bursts(rows: list[SignatureRow], now: datetime, window: float, factor: float, min_count: int) -> list[Cluster]:
    """Stretches where a `window`-second sliding window holds far more than the usual count.

    The usual count is the median count of fixed `window`-second bins over the petition's
    life (first signature → now, empty bins included): a burst cannot raise its own bar.
    """
    rows = sorted(rows, key=lambda r: r.created)
    times = [r.created.timestamp() for r in rows]
    start, end = times[0], max(now.timestamp(), times[-1])
    n_bins = max(1, int((end - start) // window) + 1)
    bins = [0] * n_bins
    for t in times:
        bins[int((t - start) // window)] += 1
    threshold = max(float(min_count), factor * statistics.median(bins))
    return _burst_spans(rows, window, threshold, len(rows))


class _Rules(NamedTuple):
    min_count: int
    range_share: float
    domain_share: float
    country_share: float
    window: float  # seconds
    burst_factor: float
    burst_min_count: int
    home: frozenset[str]


def _rules(
    min_count: int | None,
    range_share: float | None,
    domain_share: float | None,
    country_share: float | None,
    burst_window: timedelta | None,
    burst_factor: float | None,
    burst_min_count: int | None,
) -> _Rules:
    """The cluster rules: the arguments given, the settings for the others."""
    cfg = config()
    return _Rules(
        cfg["cluster_min_count"] if min_count is None else min_count,
        cfg["cluster_range_share"] if range_share is None else range_share,
        cfg["cluster_domain_share"] if domain_share is None else domain_share,
        cfg["cluster_country_share"] if country_share is None else country_share,
        burst_window.total_seconds() if burst_window else float(cfg["burst_window"]),
        cfg["burst_factor"] if burst_factor is None else burst_factor,
        cfg["burst_min_count"] if burst_min_count is None else burst_min_count,
        frozenset(c.upper() for c in cfg["home_countries"]),
    )


def find_clusters(
    rows: Iterable[SignatureRow],
    *,
    now: datetime,
    min_count: int | None = None,
    range_share: float | None = None,
    domain_share: float | None = None,
    country_share: float | None = None,
    burst_window: timedelta | None = None,
    burst_factor: float | None = None,
    burst_min_count: int | None = None,
) -> list[Cluster]:
    """Unusual concentrations among one petition's signatures.

    - "ip_range": one /24 or /48 holding ≥ `range_share` of the signatures;
    - "domain": one email domain that is not a large webmail holding ≥ `domain_share`;
    - "country": one country outside the home countries holding ≥ `country_share`;
    - "burst": a stretch where `burst_window` holds ≥ `burst_factor` × the petition's
      median count per window (and ≥ `burst_min_count`).

    Every cluster also needs ≥ `min_count` signatures. Unset arguments come from settings.
    Ordered by kind, then largest first.
    """
    min_count, range_share, domain_share, country_share, window, burst_factor, burst_min_count, home = _rules(
        min_count, range_share, domain_share, country_share, burst_window, burst_factor, burst_min_count
    )

    rows = list(rows)
    if not rows:
        return []
    total = len(rows)
    ranges: dict[str, list[SignatureRow]] = defaultdict(list)
    domains: dict[str, list[SignatureRow]] = defaultdict(list)
    countries: dict[str, list[SignatureRow]] = defaultdict(list)
    for row in rows:
        if row.ip_range and row.ip_range != "unknown":
            ranges[row.ip_range].append(row)
        domain = (row.email_domain or "").lower()
        if domain and not is_webmail(domain):
            domains[domain].append(row)
        country = (row.country or "").upper()
        if country and country not in home:
            countries[country].append(row)

    clusters = [
        *_share_clusters("ip_range", ranges, total, min_count, range_share),
        *_share_clusters("domain", domains, total, min_count, domain_share),
        *_share_clusters("country", countries, total, min_count, country_share),
    ]
    bursts = _bursts(rows, now, window, burst_factor, max(burst_min_count, min_count))
    order = {"ip_range": 0, "domain": 1, "country": 2}
    clusters.sort(key=lambda c: (order[c.kind], -c.count, c.key))
    return clusters + bursts


# --- The same detection grouped in the database (the periodic job) ------------------------


class _Epoch(Func):
    """Seconds since 1970 of a datetime column, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover - per-vendor below
        raise NotImplementedError(f"_Epoch is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def _db_cluster(kind: str, key: str, members, total: int) -> Cluster:
    rows = list(members.order_by("pk").values_list("pk", "created_at"))
    created = [c for _pk, c in rows]
    return Cluster(
        kind=kind,
        key=key,
        count=len(rows),
        share=len(rows) / total,
        first=min(created),
        last=max(created),
        ids=tuple(pk for pk, _c in rows),
    )


def find_clusters_in_db(
    signatures,
    *,
    now: datetime,
    min_count: int | None = None,
    range_share: float | None = None,
    domain_share: float | None = None,
    country_share: float | None = None,
    burst_window: timedelta | None = None,
    burst_factor: float | None = None,
    burst_min_count: int | None = None,
) -> list[Cluster]:
    """`find_clusters()` over a Signature queryset, grouped by the database.

    Same rules and same result (ranges, domains, countries, bursts), but
    only the group counts and the members of the flagged groups leave the database: the
    ranges and domains with `GROUP BY`, the burst baseline with a `GROUP BY` on fixed time
    bins, and the sliding window runs over the rows of the bins dense enough to hold a burst
    (a window spans at most two adjacent bins, so a bin pair below the threshold cannot).
    """
    min_count, range_share, domain_share, country_share, window, burst_factor, burst_min_count, home = _rules(
        min_count, range_share, domain_share, country_share, burst_window, burst_factor, burst_min_count
    )

    signatures = signatures.order_by()
    summary = signatures.aggregate(total=Count("*"), start=Min("created_at"), end=Max("created_at"))
    total = summary["total"]
    if not total:
        return []
    need = max(min_count, 1)
    clusters: list[Cluster] = []
    for kind, field, share in (
        ("ip_range", "ip_range", range_share),
        ("domain", "email_domain", domain_share),
        ("country", "country", country_share),
    ):
        groups = (
            signatures.exclude(**{field: ""})
            .values_list(field)
            .annotate(n=Count("*"))
            .filter(n__gte=max(need, math.floor(share * total)))  # exact test below
        )
        for key, n in groups:
            if kind == "ip_range" and key == "unknown":
                continue
            if kind == "domain" and is_webmail(key.lower()):
                continue
            if kind == "country" and key.upper() in home:
                continue
            if n >= min_count and n / total >= share:
                clusters.append(_db_cluster(kind, key, signatures.filter(**{field: key}), total))
    order = {"ip_range": 0, "domain": 1, "country": 2}
    clusters.sort(key=lambda c: (order[c.kind], -c.count, c.key))

    # Bursts: the baseline from fixed bins counted by the database.
    start = summary["start"].timestamp()
    end = max(now.timestamp(), summary["end"].timestamp())
    n_bins = max(1, int((end - start) // window) + 1)
    binned = signatures.annotate(bin=Floor((_Epoch("created_at") - start) / window))
    counts = {int(b): n for b, n in binned.values_list("bin").annotate(n=Count("*")) if b is not None}
    bins = [0] * n_bins
    for b, n in counts.items():
        bins[min(max(b, 0), n_bins - 1)] += n
    threshold = max(float(max(burst_min_count, min_count)), burst_factor * statistics.median(bins))
    dense = sorted({b for b in range(n_bins) for pair in ((b - 1, b), (b, b + 1)) if _pair(bins, pair) >= threshold})
    if not dense:
        return clusters
    # The rows of the dense bins, fetched by time range (the (petition, created_at) index).
    spans: list[tuple[int, int]] = []
    for b in dense:
        if spans and b == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((b, b))
    condition = Q()
    base = summary["start"]
    for first_bin, last_bin in spans:
        condition |= Q(
            created_at__gte=base + timedelta(seconds=(first_bin * window) - 1),
            created_at__lt=base + timedelta(seconds=((last_bin + 1) * window) + 1),
        )
    rows = [
        SignatureRow(pk, created, "", "")
        for pk, created in signatures.filter(condition).values_list("pk", "created_at").iterator(chunk_size=5000)
    ]
    return clusters + _burst_spans(rows, window, threshold, total)


def _pair(bins: list[int], pair: tuple[int, int]) -> int:
    a, b = pair
    if a < 0 or b >= len(bins):
        return bins[a] if 0 <= a < len(bins) else (bins[b] if 0 <= b < len(bins) else 0)
    return bins[a] + bins[b]


def _burst_spans(rows: list[SignatureRow], window: float, threshold: float, total: int) -> list[Cluster]:
    """The sliding-window part of `_bursts()` with a given threshold and total."""
    rows = sorted(rows, key=lambda r: (r.created, r.id))
    times = [r.created.timestamp() for r in rows]
    spans: list[list[int]] = []  # [first index, last index] of merged flagged windows
    j = 0
    for i, t in enumerate(times):
        if j < i:
            j = i
        while j + 1 < len(times) and times[j + 1] < t + window:
            j += 1
        if j - i + 1 >= threshold:
            if spans and i <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], j)
            else:
                spans.append([i, j])
    return [_cluster("burst", rows[a].created.isoformat(), rows[a : b + 1], total) for a, b in spans]
