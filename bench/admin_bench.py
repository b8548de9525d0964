"""Time the admin receipt changelist at the current database size and EXPLAIN its SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/admin_bench.py

Logs a superuser in with Django's test client (same settings, middleware and templates as
production) and loads the receipt changelist: unfiltered, filtered by status, filtered by
kecamatan, searched by receipt number and by NIK. For each it prints the median time of
``--repeat`` loads, then runs ``EXPLAIN (ANALYZE, FORMAT TEXT)`` on every captured query that
touches ``receipts_receipt`` and flags what does not scale: a sequential scan of one of the
big tables, a COUNT(*) of receipts without a WHERE clause, a ``LIKE '%...'`` pattern.
Exits non-zero when something is flagged or a load is over the target (500 ms).
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import collect_static, setup_django  # noqa: E402

TARGET_MS = 500
BIG_TABLES = ("receipts_receipt", "receipts_resident", "receipts_receiptevent")
UNFILTERED_COUNT = re.compile(
    r'SELECT COUNT\(\*\)(?: AS "__count")? FROM "receipts_receipt"\s*$', re.IGNORECASE
)
LEADING_WILDCARD = re.compile(r"I?LIKE\s+(?:UPPER\()?'%", re.IGNORECASE)


def flags_for(sql: str, plan: str) -> list[str]:
    found = []
    for table in BIG_TABLES:
        if re.search(rf"Seq Scan on {table}\b", plan):
            found.append(f"Seq Scan on {table}")
    if UNFILTERED_COUNT.search(sql.strip()):
        found.append("unfiltered COUNT(*) of receipts")
    if LEADING_WILDCARD.search(sql):
        found.append("LIKE '%...%' (leading wildcard)")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="loads per case (median)")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--url", default="/admin/receipts/receipt/")
    args = parser.parse_args(argv)
    setup_django("bench.settings")
    collect_static()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from receipts.models import Kecamatan, Receipt

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    total = Receipt.objects.count()
    sample = Receipt.objects.select_related("resident").order_by("-id").first()
    kecamatan = Kecamatan.objects.order_by("code").last()
    cases = [
        ("unfiltered", {}),
        ("status=ready", {"status__exact": "ready"}),
        ("status=recorded", {"status__exact": "recorded"}),
        ("status=collected (oldest)", {"status__exact": "collected"}),
        (f"kecamatan={kecamatan.slug}", {"collection_kecamatan__id__exact": kecamatan.pk}),
        ("search receipt number", {"q": sample.number}),
        ("search NIK", {"q": sample.resident.nik}),
    ]
    print(f"receipts: {total:,}; changelist {args.url}; target < {TARGET_MS} ms per load")
    failed = False
    for label, params in cases:
        response = client.get(args.url, params)  # warm: templates, caches, plans
        if response.status_code != 200:
            print(f"{label}: HTTP {response.status_code}")
            failed = True
            continue
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            client.get(args.url, params)
            times.append((time.perf_counter() - t0) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(args.url, params)
        median = statistics.median(times)
        listed = sample.number in response.content.decode()
        over = median > TARGET_MS
        failed |= over
        print(
            f"\n== {label:<26} median {median:7.1f} ms (min {min(times):.1f}, max {max(times):.1f})"
            f"  {len(ctx.captured_queries)} queries"
            + ("  OVER TARGET" if over else "")
            + (f"  [sample receipt listed: {listed}]" if "q" in params else "")
        )
        for query in ctx.captured_queries:
            sql = query["sql"]
            if "receipts_receipt" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            print(f"-- {query['time']}s  {sql[:400]}{' ...' if len(sql) > 400 else ''}")
            if args.no_explain:
                continue
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
                plan = "\n".join(row[0] for row in cur.fetchall())
            print("   " + plan.replace("\n", "\n   "))
            for flag in flags_for(sql, plan):
                print(f"   !! {flag}")
                failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
