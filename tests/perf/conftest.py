import pytest
from django.core.cache import cache, caches


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached pages of other tests must not leak into these."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _lookup_cache_on(settings):
    """These tests run with the lookup cache on, as in production (Redis)."""
    settings.LOOKUP_CACHE_SECONDS = 600
    caches["lookup"].clear()
    yield
    caches["lookup"].clear()
