"""Per-client rate limits for the receipt lookup, the API and the login forms.

Fixed-window counters in Django's cache: one key per (bucket, client, window), created with
its expiry and incremented atomically. On Redis (production, CI) every gunicorn worker and
host shares the counts, and the whole check is one pipelined round trip; on the local-memory
cache (SQLite default) each worker counts alone.

The limiter fails OPEN: when the cache cannot be reached the request is served and a warning
is logged. Residents must be able to look up their receipt while Redis restarts; the limit is
a brake on scraping, not an access control (every public answer is masked data anyway).
See docs/security.md for the limits and why.
"""

import contextlib
import ipaddress
import json
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string

from disdukcapil.metrics import RATELIMIT_REFUSALS

logger = logging.getLogger("disdukcapil.ratelimit")

MINUTE = 60
HOUR = 3600


@dataclass(frozen=True)
class Window:
    seconds: int
    limit: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def client_ip(request) -> str:
    """Return the address the limits are keyed on.

    REMOTE_ADDR unless settings.TRUSTED_PROXY_COUNT says that many reverse proxies of ours
    sit in front of the app: then the address the outermost trusted proxy saw, i.e. the
    TRUSTED_PROXY_COUNT-th entry from the right of X-Forwarded-For. Entries further left
    are written by the client and never trusted, so a spoofed header cannot reset a count.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        # Fewer hops than proxies we run: the request did not come through all of them.
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def axes_client_ip(request) -> str | None:
    """The client address for django-axes' records: a valid address or None.

    Its tables store an ``inet`` on PostgreSQL, which refuses the "unknown" that
    :func:`client_ip` returns without a REMOTE_ADDR (e.g. ``Client.force_login`` in tests).
    """
    ip = client_ip(request)
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def limit_key(ip: str) -> str:
    """The client a count belongs to: the address, or its /64 network for IPv6.

    One IPv6 subscriber is routinely given a whole /64 (2^64 addresses): keyed per address,
    30 addresses of one /64 got 30 fresh budgets. An IPv4-mapped address counts as IPv4.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _keys(bucket: str, ip: str, windows: list[Window], now: float) -> list[str]:
    who = limit_key(ip)
    return [f"rl:{bucket}:{w.seconds}:{int(now // w.seconds)}:{who}" for w in windows]


def _retry_after(windows: list[Window], counts: list[int], now: float) -> int:
    waits = [
        math.ceil(w.seconds - (now % w.seconds))
        for w, count in zip(windows, counts, strict=True)
        if count > w.limit
    ]
    return max(waits) if waits else 0


def _redis_client():
    """The raw redis client behind Django's RedisCache, or None for any other backend."""
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        return None
    return backend.get_client(write=True)


def _incr_all(keys: list[str], windows: list[Window]) -> list[int]:
    client = _redis_client()
    if client is not None:
        # One round trip: SET NX EX creates the window with its expiry, INCR counts.
        pipe = client.pipeline(transaction=False)
        for key, w in zip(keys, windows, strict=True):
            raw = cache.make_and_validate_key(key)
            pipe.set(raw, 0, ex=w.seconds, nx=True)
            pipe.incr(raw)
        return [int(v) for v in pipe.execute()[1::2]]
    counts = []
    for key, w in zip(keys, windows, strict=True):
        cache.add(key, 0, timeout=w.seconds)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=w.seconds)
            counts.append(1)
    return counts


def _decr_all(keys: list[str]) -> None:
    client = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.decr(cache.make_and_validate_key(key))
        pipe.execute()
        return
    for key in keys:
        # ValueError: the window expired meanwhile, nothing to give back.
        with contextlib.suppress(ValueError):
            cache.decr(key)


class CircuitBreaker:
    """After ``threshold`` failures in a row, skip the cache for ``cooldown`` seconds.

    With socket timeouts a sick Redis costs one timeout per request; with the breaker it
    costs nothing after the first failures: requests are served unlimited (fail open, as
    before) without touching Redis, and one request per cooldown tries again. Per process;
    the state is two numbers, races between threads only change which request probes.
    """

    def __init__(self, threshold: int = 3, cooldown: float = 5.0):
        self.threshold, self.cooldown = threshold, cooldown
        self.failures, self.open_until = 0, 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self.open_until

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.open_until = time.monotonic() + self.cooldown

    def succeeded(self) -> None:
        self.failures, self.open_until = 0, 0.0


breaker = CircuitBreaker()


def hit(bucket: str, ip: str, windows: list[Window], now: float | None = None) -> Verdict:
    """Count one request; refuse it when any window is over its limit. Fails open.

    Increment first, then judge the count the increment returned: N parallel requests get
    N distinct counts, so exactly ``limit`` of them pass (a read-then-write would let every
    request that read before the others wrote through: 11 of 40 for a limit of 10).
    """
    now = time.time() if now is None else now
    keys = _keys(bucket, ip, windows, now)
    if not breaker.allows():
        return Verdict(True)
    try:
        counts = _incr_all(keys, windows)
    except Exception:
        breaker.failed()
        logger.warning("rate limit cache unreachable; serving %s unlimited", bucket, exc_info=True)
        return Verdict(True)
    breaker.succeeded()
    retry = _retry_after(windows, counts, now)
    return Verdict(retry == 0, retry)


def refund(bucket: str, ip: str, windows: list[Window], now: float) -> None:
    """Give back one count taken by :func:`hit` at ``now`` (a login that succeeded)."""
    if not breaker.allows():
        return
    try:
        _decr_all(_keys(bucket, ip, windows, now))
    except Exception:
        logger.warning("rate limit cache unreachable; %s not refunded", bucket, exc_info=True)


def lookup_windows() -> list[Window]:
    return [
        Window(MINUTE, settings.RATELIMIT_LOOKUP_PER_MINUTE),
        Window(HOUR, settings.RATELIMIT_LOOKUP_PER_HOUR),
    ]


def login_windows() -> list[Window]:
    return [
        Window(MINUTE, settings.RATELIMIT_LOGIN_PER_MINUTE),
        Window(HOUR, settings.RATELIMIT_LOGIN_PER_HOUR),
    ]


def too_many_requests(request, retry_after: int) -> HttpResponse:
    """The 429 answer: JSON for the API, the Indonesian page otherwise; Retry-After set."""
    if request.path.startswith("/api/"):
        response = HttpResponse(
            json.dumps({"error": "rate_limited", "retry_after": retry_after}),
            content_type="application/json",
            status=429,
        )
    else:
        minutes = max(1, math.ceil(retry_after / 60))
        # No context processors: a refused scraper must not cost a session or DB read.
        body = render_to_string(
            "429.html",
            {"request": request, "retry_after": retry_after, "retry_minutes": minutes},
        )
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "private, no-store"
    return response


def account_locked(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer for a locked account: our 429 page, retry after the cool-off."""
    RATELIMIT_REFUSALS.labels("account").inc()
    logger.warning("login refused: account locked after repeated failures (%s)", request.path)
    return too_many_requests(request, int(settings.AXES_COOLOFF_TIME) * HOUR)


class RateLimitMiddleware:
    """Limit lookups (/cek/, /api/) per request and logins per failed attempt.

    Unlimited paths cost nothing: one prefix test and no cache access. A lookup costs one
    cache round trip on Redis. A login POST costs a read before the view and, only when the
    attempt failed (anything but a redirect), one write after it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.RATELIMIT_ENABLED:
            return self.get_response(request)
        path = request.path_info
        if path.startswith(settings.RATELIMIT_LOOKUP_PREFIXES):
            ip = client_ip(request)
            if ip in settings.RATELIMIT_EXEMPT_IPS:
                return self.get_response(request)
            verdict = hit("lookup", ip, lookup_windows())
            if not verdict.allowed:
                logger.info("lookup rate limit hit by %s on %s", ip, path)
                RATELIMIT_REFUSALS.labels("lookup").inc()
                return too_many_requests(request, verdict.retry_after)
            return self.get_response(request)
        if request.method == "POST" and path in settings.RATELIMIT_LOGIN_PATHS:
            ip = client_ip(request)
            if ip in settings.RATELIMIT_EXEMPT_IPS:
                return self.get_response(request)
            windows = login_windows()
            # Count the attempt before it is checked (atomic INCR), refund it if it succeeded.
            now = time.time()
            verdict = hit("login", ip, windows, now)
            if not verdict.allowed:
                logger.warning("login rate limit hit by %s on %s", ip, path)
                RATELIMIT_REFUSALS.labels("login").inc()
                return too_many_requests(request, verdict.retry_after)
            response = self.get_response(request)
            # A successful login redirects; anything else (the form again, a CSRF refusal, an
            # account locked by django-axes) is a failed attempt and keeps its count.
            if 300 <= response.status_code < 400:
                refund("login", ip, windows, now)
            return response
        return self.get_response(request)
