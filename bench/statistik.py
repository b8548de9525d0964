"""Time /statistik/ served from the cache and rebuilt from scratch, at the current size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/statistik.py

Uses the production settings with the benchmarks' own Redis database (``BENCH_REDIS_URL``,
default redis://127.0.0.1:6379/13 — it is flushed, so never point it at a shared one) and
Django's test client. A rebuild is a request right after ``cache.clear()``. Targets: under
50 ms from the cache, under 2 s to rebuild.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import collect_static, setup_django  # noqa: E402

CACHED_TARGET_MS = 50
REBUILD_TARGET_MS = 2000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="/statistik/")
    parser.add_argument("--cached", type=int, default=30, help="cached loads (median)")
    parser.add_argument("--rebuilds", type=int, default=3, help="rebuilds (median)")
    args = parser.parse_args(argv)
    setup_django("bench.settings")
    collect_static()

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from receipts.models import Receipt

    client = Client()
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"receipts: {Receipt.objects.count():,}; {args.url}; cache {backend}")

    rebuilds, rebuild_queries = [], 0
    for _ in range(args.rebuilds):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(args.url)
            rebuilds.append((time.perf_counter() - t0) * 1000)
        rebuild_queries = len(ctx.captured_queries)
        if response.status_code != 200:
            sys.exit(f"{args.url} answered {response.status_code}")

    cached = []
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(args.cached):
            t0 = time.perf_counter()
            client.get(args.url)
            cached.append((time.perf_counter() - t0) * 1000)
    cached_queries = len(ctx.captured_queries) / args.cached

    rebuild_ms, cached_ms = statistics.median(rebuilds), statistics.median(cached)
    print(
        f"rebuild (cache cleared): median {rebuild_ms:8.1f} ms of {args.rebuilds}"
        f" (max {max(rebuilds):.1f}), {rebuild_queries} queries;"
        f" target < {REBUILD_TARGET_MS} ms: {'ok' if rebuild_ms < REBUILD_TARGET_MS else 'MISSED'}"
    )
    print(
        f"from cache:              median {cached_ms:8.1f} ms of {args.cached}"
        f" (p90 {statistics.quantiles(cached, n=10)[-1]:.1f}), {cached_queries:.1f} queries/load;"
        f" target < {CACHED_TARGET_MS} ms: {'ok' if cached_ms < CACHED_TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
