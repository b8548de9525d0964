"""Hardening tests: each starts with an empty cache, and turns the limiter on only when asked."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    # In CI the cache is Redis (REDIS_URL): counts must not leak from one test to the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def limits_on(settings):
    """The rate limiter with its documented default limits (tests/settings.py turns it off)."""
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_LOOKUP_PER_MINUTE = 20
    settings.RATELIMIT_LOOKUP_PER_HOUR = 100
    settings.RATELIMIT_LOGIN_PER_MINUTE = 10
    settings.RATELIMIT_LOGIN_PER_HOUR = 30
    settings.RATELIMIT_EXEMPT_IPS = frozenset()
    settings.TRUSTED_PROXY_COUNT = 0
    return settings
