"""Fill a PostgreSQL database with N residents and N receipts, fast, for the benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/seed_scale.py 1000000

Everything is set-based SQL (``INSERT ... SELECT FROM generate_series``), so 1,000,000
receipts take well under two minutes. The data is realistic enough for query plans and
page sizes: the 6 kecamatan / 34 kelurahan of Balikpapan, structurally valid NIKs (district
code, birth date with +40 for women, serial), receipt numbers ``BPN<YYMMDD><7 digits>``,
recording dates spread over 2016-2018 with the oldest receipts furthest along, this status
mix::

    recorded 10 %  queued 3 %  printed 2 %  dispatched 5 %  ready 50 %  collected 28 %
    on_hold 1 %    cancelled 1 %

and the full event chain of each receipt (``recorded -> queued -> ... -> its status``), about
4.6 events per receipt, as the public timeline would show it; a card for every receipt from
``queued`` on, in blank batches of 80,000 with one print run each. It ends with VACUUM ANALYZE.

It refuses to run when receipts exist, unless ``--reset`` is given: that TRUNCATEs residents,
receipts, events, cards, print runs, blank batches and (CASCADE) everything that references
them (hand-overs, dispatch items). Only for a scratch benchmark database.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

# Distinct birth dates used (1950-01-01 + 0..DATES-1 days); the NIK serial is
# SERIAL_BASE + g // DATES, so (birth date, serial) and hence the NIK is unique for every g
# up to DATES * (10000 - SERIAL_BASE) = 36 million. The high serial base keeps bench NIKs
# clear of hand-made ones (seed_demo, imports), which use low serials.
DATES = 18250
SERIAL_BASE = 8000

MALE = ["Budi", "Agus", "Andi", "Rahmat", "Hendra", "Yusuf", "Dedi", "Rizal", "Fajar", "Arif"]
FEMALE = ["Siti", "Dewi", "Nur", "Ayu", "Rina", "Fitri", "Wulan", "Lestari", "Indah", "Sari"]
FAMILY = [
    "Wahyuni",
    "Santoso",
    "Hidayat",
    "Saputra",
    "Rahmawati",
    "Pratama",
    "Kurniawan",
    "Nugroho",
    "Syahputra",
    "Handayani",
    "Sulistyo",
    "Anggraini",
    "Setiawan",
    "Maharani",
    "Firmansyah",
    "Permata",
]

# Cumulative share of the receipts ordered from oldest to newest (after the 2 % on hold or
# cancelled, which are spread evenly): the oldest are collected, the newest still recorded.
STATUS_BY_AGE = [
    (0.2857, "collected"),
    (0.7959, "ready"),
    (0.8469, "dispatched"),
    (0.8673, "printed"),
    (0.8980, "queued"),
]

PATHS = {
    "recorded": ["recorded"],
    "queued": ["recorded", "queued"],
    "printed": ["recorded", "queued", "printed"],
    "dispatched": ["recorded", "queued", "printed", "dispatched"],
    "ready": ["recorded", "queued", "printed", "dispatched", "ready"],
    "collected": ["recorded", "queued", "printed", "dispatched", "ready", "collected"],
    "on_hold": ["recorded", "on_hold"],
    "cancelled": ["recorded", "cancelled"],
}


SEEDED_TABLES = (
    "receipts_resident",
    "receipts_receipt",
    "receipts_receiptevent",
    "distribution_card",
)
# Statuses whose receipt has a card (queued: allocated to a print run, not printed yet).
CARD_STATUSES = ("queued", "printed", "dispatched", "ready", "collected")
BATCH_SIZE = 80_000


def sql_array(values):
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def ensure_wilayah():
    """Create the 6 kecamatan and 34 kelurahan of Balikpapan that are missing."""
    from receipts.models import Kecamatan, Kelurahan
    from receipts.regions import region_rows

    rows = region_rows()
    codes = []
    for row in rows:
        name = row["kecamatan_name"]
        kecamatan, _ = Kecamatan.objects.get_or_create(
            code=row["kecamatan_code"],
            defaults={
                "name": name,
                "slug": name.split()[-1].lower(),
                "address": f"Kantor Kecamatan {name} (contoh)",
                "counter_hours": "Senin–Jumat 08.00–15.00 WITA",
                "contact_is_placeholder": True,
            },
        )
        Kelurahan.objects.get_or_create(
            code=row["kelurahan_code"],
            defaults={"name": row["kelurahan_name"], "kecamatan": kecamatan},
        )
        codes.append(row["kelurahan_code"])
    return codes


def make_lots(cards: int) -> list[tuple[int, int, int]]:
    """Create the blank batches and print runs for ``cards`` cards: [(idx, batch, run)]."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from distribution.models import BlankBatch, PrintRun

    staff, _ = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True}
    )
    start = BlankBatch.objects.count()
    lots = []
    for idx in range((cards // BATCH_SIZE) + 1):
        used = max(0, min(BATCH_SIZE, cards - idx * BATCH_SIZE))
        day = datetime.date(2016, 3, 1) + datetime.timedelta(days=60 * idx)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        batch = BlankBatch.objects.create(
            reference=f"BENCH/BLANKO/{start + idx + 1:04d}",
            quantity=BATCH_SIZE,
            received_on=day,
            used=used,
            note="bench/seed_scale.py",
        )
        run = PrintRun.objects.create(
            requested=max(used, 1),
            allocated=used,
            cutoff_date=day,
            state="printed",
            created_by=staff,
            created_at=at,
            printed_at=at,
        )
        lots.append((idx, batch.pk, run.pk))
    return lots


def status_case(n: int, g: str) -> str:
    """SQL for the status of the receipt at position ``g`` (0 = oldest) of ``n``."""
    whens = " ".join(f"WHEN {g}::float8 / {n} < {cut} THEN '{st}'" for cut, st in STATUS_BY_AGE)
    return (
        f"CASE WHEN {g} % 100 = 0 THEN 'on_hold' WHEN {g} % 100 = 1 THEN 'cancelled' "
        f"{whens} ELSE 'recorded' END"
    )


def path_case() -> str:
    whens = " ".join(f"WHEN '{st}' THEN {sql_array(path)}" for st, path in PATHS.items())
    return f"CASE r.status {whens} END"


def seed(
    n: int,
    reset: bool = False,
    verbose: bool = True,
    vacuum: bool = True,
    rebuild_constraints: bool = True,
) -> None:
    """Insert ``n`` residents, receipts and their events, then VACUUM ANALYZE them.

    VACUUM sets the visibility map, as autovacuum soon would on a live table, so that plans
    (index-only scans) are those of the steady state. Inside a transaction (tests), pass
    ``vacuum=False``: only ANALYZE runs; and ``rebuild_constraints=False`` (ALTER TABLE refuses to
    run on tables with pending deferred checks, which a test's fixtures may have left).
    """
    from django.db import connection, transaction

    from receipts.models import Receipt

    if Receipt.objects.exists():
        if not reset:
            sys.exit(
                "Receipts exist already. Use --reset to TRUNCATE residents, receipts and "
                "everything that references them (scratch databases only)."
            )
        with connection.cursor() as cur:
            cur.execute(
                # receipts_queueday too: a TRUNCATE fires no triggers to take the receipts
                # out of its counts (receipts/queue_days.py); the INSERTs below fill it again.
                "TRUNCATE receipts_receiptevent, receipts_receiptword, receipts_receipt, "
                "receipts_resident, distribution_card, distribution_printrun, "
                "distribution_blankbatch, receipts_queueday RESTART IDENTITY CASCADE"
            )
        print("reset: residents, receipts, events, cards, print runs, batches (and CASCADE) gone")

    started = time.monotonic()
    kelurahan_codes = ensure_wilayah()

    def step(label, sql):
        # Only integers computed here are interpolated (no parameters: ``%`` is modulo).
        t0 = time.monotonic()
        with connection.cursor() as cur:
            cur.execute(sql)
            rows = cur.rowcount
        if verbose:
            print(f"  {label:<28} {rows:>10,} rows {time.monotonic() - t0:7.1f} s", flush=True)

    with transaction.atomic(), connection.cursor() as cur:
        # Bulk-load settings for this transaction only.
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute(
            "CREATE TEMP TABLE bench_kel ON COMMIT DROP AS "
            "SELECT (row_number() OVER (ORDER BY code) - 1)::int AS idx, id, kecamatan_id, "
            "replace(left(code, 8), '.', '') AS district "
            "FROM receipts_kelurahan WHERE code = ANY(%s)",
            [kelurahan_codes],
        )
        kel_count = len(kelurahan_codes)
        cur.execute("SELECT coalesce(max(id), 0) FROM receipts_resident")
        resident_floor = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM receipts_receipt")
        receipt_floor = cur.fetchone()[0]

        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: millions of per-row checks
        # would be queued and run at COMMIT (minutes). Drop them for the load and add them
        # back: ADD CONSTRAINT validates every row in one set-based pass.
        foreign_keys, indexes = [], []
        if rebuild_constraints:
            cur.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [list(SEEDED_TABLES)],
            )
            foreign_keys = cur.fetchall()
            for table, name, _definition in foreign_keys:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            # Likewise, building an index once over all rows is faster than updating it row
            # by row: drop the indexes that back no constraint and CREATE them again after.
            cur.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = pg_index.indexrelid)",
                [list(SEEDED_TABLES)],
            )
            indexes = cur.fetchall()
            for name, _definition in indexes:
                cur.execute(f"DROP INDEX {name}")

        step(
            "residents",
            f"""
            INSERT INTO receipts_resident
                (nik, full_name, birth_date, sex, kelurahan_id, address, phone, email,
                 created_at, updated_at)
            SELECT
                k.district
                  || lpad((extract(day FROM x.bd)::int
                           + CASE WHEN x.sex = 'P' THEN 40 ELSE 0 END)::text, 2, '0')
                  || to_char(x.bd, 'MMYY')
                  || lpad(({SERIAL_BASE} + g / {DATES})::text, 4, '0'),
                CASE WHEN x.sex = 'P' THEN ({sql_array(FEMALE)})[1 + (g / 2) % {len(FEMALE)}]
                     ELSE ({sql_array(MALE)})[1 + (g / 2) % {len(MALE)}] END
                  || ' ' || ({sql_array(FAMILY)})[1 + (g / 7) % {len(FAMILY)}],
                x.bd, x.sex, k.id,
                'Jl. Contoh RT ' || lpad((g % 40 + 1)::text, 2, '0') || ' No. ' || (g % 200 + 1),
                '', '', now(), now()
            FROM generate_series(0, {n} - 1) AS g
            CROSS JOIN LATERAL (
                SELECT date '1950-01-01' + (g % {DATES}) AS bd,
                       CASE WHEN g % 2 = 0 THEN 'L' ELSE 'P' END AS sex
            ) AS x
            JOIN bench_kel AS k ON k.idx = (g / 3) % {kel_count}
            """,
        )
        # Receipts: one per resident, recorded between Jan 2016 and mid 2018 in resident
        # order, so the oldest are collected and the newest still wait for a blank.
        step(
            "receipts",
            f"""
            INSERT INTO receipts_receipt
                (number, resident_id, recorded_at, recorded_place, collection_kecamatan_id,
                 status, status_changed_at, collected_at, created_at)
            SELECT
                'BPN' || to_char(t.rec_at AT TIME ZONE 'Asia/Makassar', 'YYMMDD')
                      || lpad(r.g::text, 7, '0'),
                r.id, t.rec_at,
                'Disdukcapil Kota Balikpapan', kel.kecamatan_id,
                t.status,
                CASE WHEN t.status = 'recorded' THEN t.rec_at
                     ELSE t.rec_at + (20 + r.g % 300) * interval '1 day' END,
                CASE WHEN t.status = 'collected'
                     THEN t.rec_at + (20 + r.g % 300) * interval '1 day' END,
                t.rec_at
            FROM (
                SELECT id, kelurahan_id, (row_number() OVER (ORDER BY id) - 1)::bigint AS g
                FROM receipts_resident WHERE id > {resident_floor}
            ) AS r
            JOIN receipts_kelurahan AS kel ON kel.id = r.kelurahan_id
            CROSS JOIN LATERAL (
                SELECT timestamptz '2016-01-04 08:00+08'
                         + (r.g::float8 * 880 / {n}) * interval '1 day' AS rec_at,
                       {status_case(n, "r.g")} AS status
            ) AS t
            """,
        )
        step(
            "events (timeline)",
            f"""
            INSERT INTO receipts_receiptevent
                (receipt_id, from_status, to_status, at, actor_id, note)
            SELECT r.id,
                   CASE WHEN s.k = 1 THEN '' ELSE p.path[s.k - 1] END,
                   p.path[s.k],
                   r.recorded_at + (r.status_changed_at - r.recorded_at)
                       * ((s.k - 1)::float8 / greatest(array_length(p.path, 1) - 1, 1)),
                   NULL, ''
            FROM receipts_receipt AS r
            CROSS JOIN LATERAL (SELECT {path_case()} AS path) AS p
            CROSS JOIN LATERAL generate_series(1, array_length(p.path, 1)) AS s(k)
            WHERE r.id > {receipt_floor}
            """,
        )
        # The blanks and print runs behind those cards: batches of 80,000 blanks used in
        # receipt order (the last one partly), one print run per batch, one card per receipt
        # from `queued` on, printed at the time of the receipt's `printed` event.
        cur.execute(
            f"SELECT count(*) FROM receipts_receipt WHERE id > {receipt_floor} "
            "AND status = ANY(%s)",
            [list(CARD_STATUSES)],
        )
        with_card = cur.fetchone()[0]
        lots = make_lots(with_card)
        cur.execute("CREATE TEMP TABLE bench_lot (idx int, batch_id bigint, run_id bigint)")
        cur.executemany("INSERT INTO bench_lot VALUES (%s, %s, %s)", lots)
        step(
            "cards",
            f"""
            INSERT INTO distribution_card
                (serial, receipt_id, print_run_id, batch_id, position, outcome, printed_at,
                 spoiled_at)
            SELECT 'BENCH' || lpad(c.k::text, 9, '0'), c.id, lot.run_id, lot.batch_id,
                   c.k % {BATCH_SIZE} + 1,
                   CASE WHEN c.status = 'queued' THEN 'queued' ELSE 'printed' END,
                   CASE WHEN c.status <> 'queued' THEN c.recorded_at
                        + (c.status_changed_at - c.recorded_at) * (2.0 / CASE c.status
                            WHEN 'printed' THEN 2 WHEN 'dispatched' THEN 3
                            WHEN 'ready' THEN 4 ELSE 5 END) END,
                   NULL
            FROM (
                SELECT id, status, recorded_at, status_changed_at,
                       (row_number() OVER (ORDER BY recorded_at, number) - 1)::int AS k
                FROM receipts_receipt
                WHERE id > {receipt_floor}
                  AND status IN ({", ".join(f"'{st}'" for st in CARD_STATUSES)})
            ) AS c
            JOIN bench_lot AS lot ON lot.idx = c.k / {BATCH_SIZE}
            """,
        )
        cur.execute("DROP TABLE bench_lot")

        t0 = time.monotonic()
        for _name, definition in indexes:
            cur.execute(definition)
        for table, name, definition in foreign_keys:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        if verbose and foreign_keys:
            label = f"{len(indexes)} indexes, {len(foreign_keys)} FKs"
            print(f"  {label:<28} {'':>10}      {time.monotonic() - t0:7.1f} s", flush=True)
    t0 = time.monotonic()
    with connection.cursor() as cur:
        for table in (
            "distribution_blankbatch",
            "distribution_printrun",
            "distribution_card",
            "receipts_kecamatan",
            "receipts_kelurahan",
            "receipts_resident",
            "receipts_receipt",
            "receipts_receiptevent",
        ):
            cur.execute(f"{'VACUUM ' if vacuum else ''}ANALYZE {table}")
    if not verbose:
        return
    label = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    print(f"  {label:<28} {'':>10}      {time.monotonic() - t0:7.1f} s")

    with connection.cursor() as cur:
        cur.execute("SELECT status, count(*) FROM receipts_receipt GROUP BY status ORDER BY 2 DESC")
        mix = ", ".join(f"{st} {c:,}" for st, c in cur.fetchall())
        cur.execute(
            "SELECT DISTINCT ON (status) status, number FROM receipts_receipt "
            "WHERE id > %s ORDER BY status, id DESC",
            [receipt_floor],
        )
        examples = cur.fetchall()
    print(f"status mix: {mix}")
    for status, number in examples:
        print(f"example {status} {number}")
    print(f"seeded {n:,} residents and receipts in {time.monotonic() - started:.1f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of residents and receipts to create")
    parser.add_argument(
        "--reset",
        action="store_true",
        help="TRUNCATE residents, receipts, events and what references them first",
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("n must be at least 1")
    setup_django("disdukcapil.settings")
    seed(args.n, args.reset)


if __name__ == "__main__":
    main()
