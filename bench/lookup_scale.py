"""Does the lookup slow down as the receipt table grows? Time it on a small and a large DB.

    python bench/lookup_scale.py postgres://postgres@127.0.0.1:5432/ektp_bench_10k \\
                                 postgres://postgres@127.0.0.1:5432/ektp_bench

Each database is seeded beforehand with bench/seed_scale.py (e.g. 10,000 and 1,000,000
receipts). For each, in alternating rounds (one process per database and round), it requests
``--requests`` random existing receipt numbers from ``/cek/?nomor=`` and from the JSON API
through Django's test client (production settings, all middleware) and records the time of
each request in the server (middleware, view, queries, template). It prints the median and
p90 per database and the large/small ratio of the medians. Target: within 10 %.

By default every answer is built from the database (``LOOKUP_CACHE_SECONDS=0`` in the
children): that is where the size of the table could show. ``--cached`` keeps the lookup cache
on and times a second pass over the same numbers, i.e. answers served from the cache after
their one stamp query.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, collect_static, setup_django  # noqa: E402

PATHS = {"cek": "/cek/?nomor={n}", "api": "/api/v1/receipts/{n}/"}


def child(requests: int, seed: int, cached: bool) -> None:
    """Time the lookup in this process against DATABASE_URL; print JSON on the last line."""
    setup_django("bench.settings")
    collect_static()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.lookup import pick_numbers

    numbers, total = pick_numbers(requests, seed=seed)
    client = Client()
    for number in numbers[:200]:  # warm: templates, connection, reference-data caches
        for path in PATHS.values():
            client.get(path.format(n=number))
    queries = {}
    for name, path in PATHS.items():  # queries per request, counted apart from the timing
        with CaptureQueriesContext(connection) as ctx:
            for number in numbers[:20]:
                client.get(path.format(n=number))
        queries[name] = len(ctx.captured_queries) / 20
    if cached:  # build every body once, so that the timed pass reads them from the cache
        for number in numbers:
            for path in PATHS.values():
                client.get(path.format(n=number))
        for name, path in PATHS.items():
            with CaptureQueriesContext(connection) as ctx:
                for number in numbers[:20]:
                    client.get(path.format(n=number))
            queries[name] = len(ctx.captured_queries) / 20
    times = {name: [] for name in PATHS}
    statuses = {name: set() for name in PATHS}
    for number in numbers:
        for name, path in PATHS.items():
            t0 = time.perf_counter()
            response = client.get(path.format(n=number))
            times[name].append((time.perf_counter() - t0) * 1000)
            statuses[name].add(response.status_code)
    print(
        json.dumps(
            {
                "receipts": total,
                "times": times,
                "queries": queries,
                "statuses": {k: sorted(v) for k, v in statuses.items()},
            }
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="*", help="DATABASE_URLs, small first")
    parser.add_argument("--requests", type=int, default=2000, help="per path, database, round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--cached", action="store_true", help="time answers served from the lookup cache"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.requests, args.seed, args.cached)
        return
    if len(args.databases) < 2:
        parser.error("give at least two DATABASE_URLs, the small one first")

    collected = {url: {name: [] for name in PATHS} for url in args.databases}
    sizes, queries = {}, {}
    for round_no in range(1, args.rounds + 1):
        order = args.databases if round_no % 2 else list(reversed(args.databases))
        for url in order:
            env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
            if not args.cached:
                env["LOOKUP_CACHE_SECONDS"] = "0"
            else:
                env.pop("LOOKUP_CACHE_SECONDS", None)
            out = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "lookup_scale.py"),
                    "--child",
                    "--requests",
                    str(args.requests),
                    "--seed",
                    str(round_no),
                    *(["--cached"] if args.cached else []),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            sizes[url], queries[url] = result["receipts"], result["queries"]
            line = []
            for name in PATHS:
                if result["statuses"][name] != [200]:
                    sys.exit(f"{url} {name}: answers {result['statuses'][name]}, expected 200")
                collected[url][name].extend(result["times"][name])
                line.append(f"{name} median {statistics.median(result['times'][name]):6.2f} ms")
            print(f"round {round_no} {sizes[url]:>10,} receipts: " + ", ".join(line), flush=True)

    small = args.databases[0]
    mode = "from the lookup cache" if args.cached else "built from the database"
    print(
        f"\nall rounds ({args.rounds} x {args.requests} requests per path and database,"
        f" answers {mode}):"
    )
    for url in args.databases:
        for name in PATHS:
            t = collected[url][name]
            print(
                f"  {sizes[url]:>10,} receipts {name}: median {statistics.median(t):6.2f} ms,"
                f" p90 {statistics.quantiles(t, n=10)[-1]:6.2f} ms,"
                f" {queries[url][name]:.1f} queries/request"
            )
    for url in args.databases[1:]:
        for name in PATHS:
            ratio = statistics.median(collected[url][name]) / statistics.median(
                collected[small][name]
            )
            verdict = "ok" if ratio <= 1.10 else "MISSED"
            print(
                f"  {name}: {sizes[url]:,} vs {sizes[small]:,} receipts: x{ratio:.3f}"
                f" (target within 10 %: {verdict})"
            )


if __name__ == "__main__":
    main()
