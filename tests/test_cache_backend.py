"""disdukcapil.cache.RedisCache: Django's Redis backend with one redis-py client per server."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests.hardening.test_ratelimit import REDIS_TEST_URL, _redis_reachable

REDIS = {
    "default": {
        "BACKEND": "disdukcapil.cache.RedisCache",
        "LOCATION": REDIS_TEST_URL,
        "KEY_PREFIX": "ektp-backend-test",
    }
}


@override_settings(CACHES=REDIS)
def test_one_client_serves_every_call():
    backend = caches["default"]._cache
    assert backend.get_client("a") is backend.get_client("b")
    assert backend.get_client("a", write=True) is backend.get_client("b", write=True)


@pytest.mark.skipif(not _redis_reachable(REDIS_TEST_URL), reason="no Redis on 127.0.0.1:6379")
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
