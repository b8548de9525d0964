"""Hardening tests: the rate limiter is on only when a test asks for it (``limits_on``)."""

import pytest

from disdukcapil import ratelimit


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
    # A test with a dead or frozen Redis opens the circuit breaker: never for the next test.
    ratelimit.breaker.succeeded()
    yield settings
    ratelimit.breaker.succeeded()
