"""disdukcapil.cache.RedisCache: Django's Redis backend with one redis-py client per server."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import override_settings

from tests.cache import redis_cache

# The suite's subclass of the backend (tests/cache.py) only changes clear(); the rest is
# disdukcapil.cache.RedisCache's.
REDIS = {"default": redis_cache(django_settings.TEST_REDIS_URL, "ektp-backend-test")}


@override_settings(CACHES=REDIS)
def test_one_client_serves_every_call():
    backend = caches["default"]._cache
    assert backend.get_client("a") is backend.get_client("b")
    assert backend.get_client("a", write=True) is backend.get_client("b", write=True)


@pytest.mark.redis
@override_settings(CACHES=REDIS)
def test_it_behaves_like_djangos_backend():
    cache = caches["default"]
    cache.clear()
    cache.set("a", ("ready", "2026-11-28"), 30)
    assert cache.add("b", 1) is True
    assert cache.add("b", 2) is False
    assert cache.incr("b") == 2
    assert cache.get_many(["a", "b", "c"]) == {"a": ("ready", "2026-11-28"), "b": 2}
    cache.delete("a")
    assert cache.get("a", "gone") == "gone"
    cache.clear()
