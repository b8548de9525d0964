import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _lookup_cache_on(settings):
    """These tests run with the lookup cache on, as in production (Redis)."""
    settings.LOOKUP_CACHE_SECONDS = 600
    caches["lookup"].clear()
    yield
    caches["lookup"].clear()
