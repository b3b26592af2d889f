"""terreau.core.ratelimit: the small limiter other modules use."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import RequestFactory

from terreau.core import ratelimit


def test_counts_per_key_and_scope():
    assert all(ratelimit.hit("user:1", "comment", 3, 60) for _ in range(3))
    assert not ratelimit.hit("user:1", "comment", 3, 60)
    assert ratelimit.hit("user:2", "comment", 3, 60)
    assert ratelimit.hit("user:1", "report", 3, 60)


def test_request_means_its_client_ip():
    rf = RequestFactory()
    a = rf.post("/", REMOTE_ADDR="198.51.100.7")
    b = rf.post("/", REMOTE_ADDR="198.51.100.8")
    assert ratelimit.client_ip(a) == "198.51.100.7"
    assert ratelimit.hit(a, "x", 1, 60) and not ratelimit.hit(a, "x", 1, 60)
    assert ratelimit.hit(b, "x", 1, 60)
    assert not ratelimit.hit("ip:198.51.100.7", "x", 1, 60)  # the same counter


@pytest.mark.parametrize(
    ("proxies", "header", "meta"),
    [
        (0, None, {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.1"}),
        (1, None, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.1"}),
        (1, None, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.1"}),
        (2, None, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.1, 10.0.0.1"}),
        (2, None, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.1"}),  # too few hops
        (1, None, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}),
        (1, None, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": " [2001:db8::1]:443"}),
        (1, None, {"REMOTE_ADDR": "127.0.0.1"}),
        (0, "X-Real-IP", {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"}),
        (0, "X-Real-IP", {"REMOTE_ADDR": "127.0.0.1"}),
    ],
)
def test_client_ip_is_the_address_allauth_sees(settings, proxies, header, meta):
    from allauth.core.internal.httpkit import get_client_ip
    from django.core.exceptions import ImproperlyConfigured

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = header
    request = RequestFactory().post("/", **meta)
    try:
        expected = get_client_ip(request) or "unknown"
    except ImproperlyConfigured:  # allauth refuses; the rate limits fall back to the peer
        expected = meta["REMOTE_ADDR"]
    assert ratelimit.client_ip(request) == expected


def test_sliding_window_counts_the_previous_window():
    with mock.patch("terreau.core.ratelimit.time.time", return_value=1000 * 60 + 59):
        for _ in range(4):
            ratelimit.hit("k", "s", 4, 60)
    # Just after the window boundary the previous window still weighs ~98 %.
    with mock.patch("terreau.core.ratelimit.time.time", return_value=1001 * 60 + 1):
        assert not ratelimit.hit("k", "s", 4, 60)
    # A full window later the old counts are gone.
    with mock.patch("terreau.core.ratelimit.time.time", return_value=1003 * 60 + 1):
        assert ratelimit.hit("k", "s", 4, 60)


def test_reset_and_disable(settings):
    for _ in range(2):
        ratelimit.hit("k", "s", 1, 60)
    assert not ratelimit.hit("k", "s", 1, 60)
    ratelimit.reset("k", "s", 60)
    assert ratelimit.hit("k", "s", 1, 60)
    settings.TERREAU_RATE_LIMITS = False
    assert all(ratelimit.hit("k", "s", 1, 60) for _ in range(5))
    settings.TERREAU_RATE_LIMITS = True
    settings.ACCOUNT_RATE_LIMITS = False
    assert all(ratelimit.hit("k", "s", 1, 60) for _ in range(5))


@pytest.mark.parametrize(("limit", "period"), [(0, 60), (5, 0), (-1, -1)])
def test_nonsense_limits_refuse(limit, period):
    assert not ratelimit.hit("k", "s", limit, period)
