"""Timing of receipt lookups: existing vs unknown vs malformed numbers (anti-enumeration).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp python bench/enumeration.py

Creates a scratch database (``<name>_bench``, dropped at the end), seeds BENCH_RECEIPTS
receipts (default 20,000) with set-based INSERTs, then sends BENCH_REQUESTS (default 200)
requests of each kind through Django's test client, interleaved round-robin so that load on
the shared machine affects all kinds alike, and prints the median, 10th and 90th percentile
in milliseconds, for the page /cek/ and the API. Rate limiting is off for the run.
"""

import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disdukcapil.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-for-anything-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ["RATELIMIT_ENABLED"] = "0"

RECEIPTS = int(os.environ.get("BENCH_RECEIPTS", "20000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a PostgreSQL database (a scratch <name>_bench is used).")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
    settings.DATABASES["default"]["NAME"] + "_bench"
)
settings.RATELIMIT_ENABLED = False
# No collectstatic for a benchmark: plain static URLs instead of the manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
settings.ALLOWED_HOSTS = ["testserver"]


def seed(cursor):
    cursor.execute(
        """
        INSERT INTO receipts_kecamatan (code, name, slug, address, counter_hours, phone,
                                        contact_is_placeholder)
        VALUES ('64.71.01', 'Bench', 'bench', 'Jl. Bench 1', '08.00-14.00', '', true);
        INSERT INTO receipts_kelurahan (code, name, kecamatan_id)
        SELECT '64.71.01.1001', 'Kelurahan Bench', id FROM receipts_kecamatan;
        INSERT INTO receipts_resident (nik, full_name, birth_date, sex, kelurahan_id, address,
                                       phone, email, created_at, updated_at)
        SELECT '6471' || lpad(i::text, 12, '0'), 'Warga Bench ' || i, DATE '1990-01-01', 'L',
               (SELECT min(id) FROM receipts_kelurahan), '', '', '', now(), now()
        FROM generate_series(1, %(n)s) AS i;
        INSERT INTO receipts_receipt (number, resident_id, recorded_at, recorded_place,
                                      collection_kecamatan_id, status, status_changed_at,
                                      created_at)
        SELECT 'BPN' || lpad(r.id::text, 10, '0'), r.id, now() - interval '30 days', '',
               (SELECT min(id) FROM receipts_kecamatan), 'ready', now(), now()
        FROM receipts_resident r;
        INSERT INTO receipts_receiptevent (receipt_id, from_status, to_status, at, note)
        SELECT id, '', 'recorded', recorded_at, '' FROM receipts_receipt;
        INSERT INTO receipts_receiptevent (receipt_id, from_status, to_status, at, note)
        SELECT id, 'recorded', 'ready', now(), '' FROM receipts_receipt;
        ANALYZE;
        """,
        {"n": RECEIPTS},
    )
    cursor.execute(
        "SELECT number FROM receipts_receipt ORDER BY id LIMIT 1 OFFSET %s", [RECEIPTS // 2]
    )
    return cursor.fetchone()[0]


def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered) * 1000, pick(0.1) * 1000, pick(0.9) * 1000


def main():
    setup_test_environment()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # one line per 404/400
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with connection.cursor() as cursor:
            existing = seed(cursor)
        # Unknown: well-formed, next to an existing number or far from all. Malformed: too short.
        kinds = {
            "existing": existing,
            "unknown (near)": existing + "9",  # seeded numbers all have 13 characters
            "unknown (far)": "BPN" + "9" * 10,
            "malformed": "ZZ",
        }
        client = Client()
        for number in kinds.values():  # warm up templates, connections, plans
            for _ in range(5):
                client.get("/cek/", {"nomor": number})
                client.get(f"/api/v1/receipts/{number}/")
        results = {(kind, where): [] for kind in kinds for where in ("page", "api")}
        statuses = {}
        for _ in range(REQUESTS):
            for kind, number in kinds.items():
                for where, request in (
                    ("page", lambda n=number: client.get("/cek/", {"nomor": n})),
                    ("api", lambda n=number: client.get(f"/api/v1/receipts/{n}/")),
                ):
                    started = time.perf_counter()
                    response = request()
                    results[(kind, where)].append(time.perf_counter() - started)
                    statuses[(kind, where)] = (response.status_code, len(response.content))
        print(f"{RECEIPTS} receipts, {REQUESTS} requests of each kind, interleaved")
        print(
            f"{'kind':16} {'where':5} {'status':>6} {'bytes':>6} {'median':>8} {'p10':>7} {'p90':>7}"
        )
        for (kind, where), samples in results.items():
            status, size = statuses[(kind, where)]
            median, p10, p90 = percentiles(samples)
            print(
                f"{kind:16} {where:5} {status:>6} {size:>6} {median:7.2f}ms {p10:6.2f}ms {p90:6.2f}ms"
            )
    finally:
        creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    main()
