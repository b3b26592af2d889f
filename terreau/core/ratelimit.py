"""A small cache-based rate limiter that any app can use.

    from terreau.core import ratelimit

    if not ratelimit.hit(request, "comment", limit=10, period=600):          # per client IP
        ...refuse...
    if not ratelimit.hit(f"user:{user.pk}", "comment", limit=10, period=600):  # per any key
        ...refuse...

`hit()` counts one attempt and answers whether it is still within the limit. It uses a
sliding window approximated from two fixed windows (the current one, plus the previous one
weighted by how much of it still overlaps the last `period` seconds), so a burst at a window
boundary cannot double the limit. Counters live in the default cache: per process with the
local-memory cache of the embedded set-up, shared by every web worker with Redis
(`CACHE_URL`). Refused attempts are counted too, so hammering keeps the door shut.

The client IP is read the way django-allauth reads it (REMOTE_ADDR, or X-Forwarded-For
with `ALLAUTH_TRUSTED_PROXY_COUNT`, or `ALLAUTH_TRUSTED_CLIENT_IP_HEADER`), so one setting
configures every rate limit behind a reverse proxy.

Rate limits are off when `TERREAU_RATE_LIMITS = False` or when allauth's are off
(`DISABLE_RATE_LIMITS=1` in the environment sets `ACCOUNT_RATE_LIMITS = False`).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def enabled() -> bool:
    if getattr(settings, "ACCOUNT_RATE_LIMITS", None) is False:
        return False
    return bool(getattr(settings, "TERREAU_RATE_LIMITS", True))


def client_ip(request: HttpRequest) -> str:
    """The client's IP address, as allauth's rate limits see it ("unknown" if none).

    allauth's own rule (its settings, its address cleaning), read from META: allauth's
    helper builds `request.headers` for it, a measurable share of a signature's cost.
    """
    from allauth import app_settings
    from allauth.core.internal.httpkit import clean_client_ip

    meta = request.META
    if header := app_settings.TRUSTED_CLIENT_IP_HEADER:
        ip = meta.get("HTTP_" + header.upper().replace("-", "_"))
    else:
        ip = None
        proxies = app_settings.TRUSTED_PROXY_COUNT
        if proxies > 0 and (xff := meta.get("HTTP_X_FORWARDED_FOR")):
            hops = xff.split(",")
            # fewer hops than trusted proxies: a misconfiguration, never fail the request for it
            ip = hops[-proxies] if len(hops) >= proxies else None
        ip = ip or meta.get("REMOTE_ADDR")
    return (clean_client_ip(ip) if ip else None) or "unknown"


def _key_of(request_or_key: HttpRequest | str) -> str:
    if isinstance(request_or_key, HttpRequest):
        return f"ip:{client_ip(request_or_key)}"
    return str(request_or_key)


def _cache_key(scope: str, key: str, window: int) -> str:
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:32]
    return f"rl:{digest}:{window}"


def _bump(cache_key: str, period: int) -> int:
    # add() is a no-op when the key exists; incr() is atomic on Redis and locmem.
    cache.add(cache_key, 0, timeout=period * 2 + 1)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period * 2 + 1)
        return 1


def hit(request_or_key: HttpRequest | str, scope: str, limit: int, period: int) -> bool:
    """Count one attempt for (scope, key); True while the sliding-window count is ≤ limit.

    request_or_key: an HttpRequest (limits its client IP) or any string key ("user:42").
    scope: what is limited ("comment", "report"...); each scope has its own counters.
    limit: attempts allowed per `period` seconds.
    """
    if not enabled():
        return True
    if limit <= 0 or period <= 0:
        return False
    key = _key_of(request_or_key)
    now = time.time()
    window = int(now // period)
    current = _bump(_cache_key(scope, key, window), period)
    previous = cache.get(_cache_key(scope, key, window - 1)) or 0
    overlap = 1 - (now - window * period) / period
    return current + previous * overlap <= limit


def reset(request_or_key: HttpRequest | str, scope: str, period: int) -> None:
    """Forget the counters of (scope, key), e.g. after a successful login."""
    key = _key_of(request_or_key)
    window = int(time.time() // period)
    cache.delete_many([_cache_key(scope, key, window), _cache_key(scope, key, window - 1)])
