import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached pages of other tests must not leak into these."""
    cache.clear()
    yield
    cache.clear()
