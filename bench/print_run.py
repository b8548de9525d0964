"""Benchmark: one print run of 20,000 cards over 100,000 waiting receipts (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp python bench/print_run.py
    BENCH_WAITING=150000 BENCH_SIZES=2000,100000 ... bench/print_run.py   # the form's largest run

Uses the production settings module against a scratch database (``<name>_bench``, created
and dropped here), seeds 100,000 waiting receipts with set-based INSERTs, then times
``print_run_create`` for 2,000 and for 20,000 cards and counts their queries: the count must
not grow with the size of the run. Also shows the plan of the queue query.
"""

import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disdukcapil.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-for-anything-0123456789")
os.environ.setdefault("DEBUG", "0")

WAITING = int(os.environ.get("BENCH_WAITING", "100000"))
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "2000,20000").split(","))
TARGET_SECONDS = 10.0

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a PostgreSQL database (a scratch <name>_bench is used).")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
    settings.DATABASES["default"]["NAME"] + "_bench"
)


def seed(cursor):
    """Six kecamatan, one kelurahan each, WAITING residents with `recorded` receipts."""
    cursor.execute(
        """
        INSERT INTO receipts_kecamatan (code, name, slug, address, counter_hours, phone,
                                        contact_is_placeholder)
        SELECT '64.71.0' || k, 'Bench ' || k, 'bench' || k, '', '', '', true
        FROM generate_series(1, 6) AS k;
        INSERT INTO receipts_kelurahan (code, name, kecamatan_id)
        SELECT code || '.1001', 'Kelurahan ' || name, id FROM receipts_kecamatan;
        INSERT INTO receipts_resident (nik, full_name, birth_date, sex, kelurahan_id, address,
                                       phone, email, created_at, updated_at)
        SELECT '6471' || lpad(i::text, 12, '0'), 'Warga ' || i, DATE '1990-01-01', 'L',
               (SELECT min(id) FROM receipts_kelurahan) + i %% 6, '', '', '', now(), now()
        FROM generate_series(1, %(n)s) AS i;
        INSERT INTO receipts_receipt (number, resident_id, recorded_at, recorded_place,
                                      collection_kecamatan_id, status, status_changed_at,
                                      created_at)
        SELECT 'BPN' || lpad(r.id::text, 10, '0'), r.id,
               TIMESTAMPTZ '2016-01-01 09:00+08' + (r.id * interval '7 minutes'),
               'Disdukcapil', k.kecamatan_id, 'recorded',
               TIMESTAMPTZ '2016-01-01 09:00+08' + (r.id * interval '7 minutes'), now()
        FROM receipts_resident r JOIN receipts_kelurahan k ON k.id = r.kelurahan_id;
        INSERT INTO receipts_receiptevent (receipt_id, from_status, to_status, at, note)
        SELECT id, '', 'recorded', recorded_at, '' FROM receipts_receipt;
        INSERT INTO distribution_blankbatch (reference, quantity, received_on, used, spoiled,
                                             note, created_at)
        VALUES ('BENCH/1', 15000, DATE '2018-01-10', 0, 0, '', now()),
               ('BENCH/2', %(second_batch)s, DATE '2018-02-10', 0, 0, '', now());
        ANALYZE;
        """,
        {"n": WAITING, "second_batch": max(80_000, sum(SIZES))},
    )


def main():
    from django.contrib.auth import get_user_model

    from distribution.models import BlankBatch, Card
    from distribution.selectors import print_queue
    from distribution.services import print_run_create
    from receipts.models import Receipt, ReceiptEvent, Status

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    bench_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"scratch database {bench_name}")
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            seed(cursor)
        print(f"seeded {WAITING:,} waiting receipts in {time.perf_counter() - started:.1f} s")
        staff = get_user_model().objects.create(username="bench", is_staff=True)
        cutoff = datetime.date(2018, 1, 1)

        queue = print_queue(kecamatan=None, cutoff_date=cutoff).select_for_update(skip_locked=True)
        with transaction.atomic(), connection.cursor() as cursor:
            sql, params = queue.values_list("pk", flat=True)[:20_000].query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        print("queue query plan:")
        for line in plan:
            print("   ", line)
        print("uses receipt_queue_idx:", any("receipt_queue_idx" in line for line in plan))

        figures = []
        for size in SIZES:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                if os.environ.get("BENCH_PROFILE") and size == SIZES[-1]:
                    import cProfile

                    with cProfile.Profile() as profile:
                        run = print_run_create(
                            kecamatan=None, count=size, cutoff_date=cutoff, actor=staff
                        )
                    profile.print_stats("cumulative")
                else:
                    run = print_run_create(
                        kecamatan=None, count=size, cutoff_date=cutoff, actor=staff
                    )
                elapsed = time.perf_counter() - started
            assert run.allocated == size, (run.allocated, size)
            figures.append((size, elapsed, len(queries.captured_queries)))
            if os.environ.get("BENCH_VERBOSE"):
                slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]
                for query in slowest:
                    print(f"    {float(query['time']):6.2f} s  {query['sql'][:110]}")
            print(
                f"print_run_create({size:,} cards): {elapsed:.2f} s, "
                f"{len(queries.captured_queries)} queries"
            )

        total = sum(SIZES)
        assert Card.objects.count() == total
        assert Card.objects.values("receipt").distinct().count() == total
        assert Receipt.objects.filter(status=Status.QUEUED).count() == total
        assert ReceiptEvent.objects.filter(to_status=Status.QUEUED).count() == total
        used = dict(BlankBatch.objects.values_list("reference", "used"))
        print(f"blanks used per batch: {used} (oldest batch first)")
        size, elapsed, _ = figures[-1]
        verdict = "OK" if elapsed < TARGET_SECONDS else "TOO SLOW"
        print(f"target < {TARGET_SECONDS:.0f} s for {size:,} cards: {verdict}")
    finally:
        creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        print(f"dropped {bench_name}")


if __name__ == "__main__":
    main()
