"""The suite's Redis cache: the project's backend, with each test process's keys under a prefix
of its own and a ``clear()`` that deletes only those keys.

``make test`` runs in several processes (pytest-xdist) that share one Redis database. Django's
``RedisCache.clear()`` is FLUSHDB: one process emptying its cache between tests would wipe the
rate-limit counters and cached pages of a test running in another.
"""

import os

from disdukcapil.cache import RedisCache as ProjectRedisCache

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_prefix(prefix: str) -> str:
    """``prefix`` made private to this test process (``ektp-gw0``, ``ektp-main``)."""
    return f"{prefix}-{WORKER}"


def redis_cache(location: str, prefix: str) -> dict:
    """A CACHES entry for a test that talks to Redis itself."""
    return {
        "BACKEND": "tests.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": worker_prefix(prefix),
    }


class RedisCache(ProjectRedisCache):
    def clear(self):
        if not self.key_prefix:
            raise ValueError("tests.cache.RedisCache needs a KEY_PREFIX (clear() scans it)")
        client = self._cache.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            batch.append(key)
            if len(batch) == 500:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
        return True
