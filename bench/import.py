"""Benchmark of ``manage.py import_receipts`` on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_import python bench/import.py [--rows 1000000]

Creates a scratch database (``ektp_bench_import``) next to the one in DATABASE_URL, migrates it,
loads the 6 kecamatan / 34 kelurahan, generates a deterministic CSV (about 1% invalid rows),
imports it in a subprocess (so the generator's memory does not count) and prints rows/s, wall
time, the importer's peak RSS, the 1-minute load average before and after, and the seconds of
each phase (read+validate, COPY, each SQL statement, commit); then imports the same file again
(nothing should change).
The scratch database is dropped at the end unless ``--keep``.
"""

import argparse
import csv
import datetime
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.identities import make_nik  # noqa: E402

SCRATCH = "ektp_bench_import"
HEADER = [
    "NIK",
    "Nama",
    "Tanggal Lahir",
    "Jenis Kelamin",
    "Kelurahan",
    "Nomor Resi",
    "Waktu Rekam",
    "Tempat Rekam",
    "Telepon",
    "Email",
    "Alamat",
]
FIRST = ["Siti", "Budi", "Ahmad", "Dewi", "Rina", "Agus", "Nur", "Eko", "Sri", "Andi", "Yusuf"]
LAST = ["Wahyuni", "Santoso", "Hidayat", "Lestari", "Saputra", "Rahman", "Pratama", "Sari"]


def wilayah():
    from receipts.regions import region_rows

    return region_rows()


def url_for(parsed, name):
    user = parsed["USER"] or "postgres"
    auth = user + (f":{parsed['PASSWORD']}" if parsed.get("PASSWORD") else "")
    return f"postgres://{auth}@{parsed['HOST'] or '127.0.0.1'}:{parsed['PORT'] or 5432}/{name}"


def admin_connection(parsed):
    conn = psycopg2.connect(
        dbname=parsed["NAME"],
        user=parsed["USER"] or "postgres",
        password=parsed.get("PASSWORD") or None,
        host=parsed["HOST"] or "127.0.0.1",
        port=parsed["PORT"] or 5432,
    )
    conn.autocommit = True
    return conn


def generate(path: Path, rows: int) -> int:
    """Write ``rows`` rows (semicolons, BOM, mixed date formats); every 100th row is invalid."""
    rng = random.Random(2018)  # deterministic
    places = wilayah()
    base = datetime.date(1950, 1, 1)
    invalid = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            place = places[i % len(places)]
            birth = base + datetime.timedelta(days=i % 18000)
            sex = "P" if (i // 7) % 2 else "L"
            nik = make_nik(
                district_code=place["kecamatan_code"], birth_date=birth, sex=sex, serial=i // 18000
            )
            recorded = datetime.datetime(2012, 1, 1, 8) + datetime.timedelta(minutes=3 * i)
            dmy = i % 2
            row = [
                nik,
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                birth.strftime("%d-%m-%Y") if dmy else birth.isoformat(),
                sex if i % 3 else ("PEREMPUAN" if sex == "P" else "LAKI-LAKI"),
                place["kelurahan_code"] if i % 4 else place["kelurahan_name"].upper(),
                f"BPN-{recorded:%y%m%d}-{i:07d}",
                recorded.strftime("%d/%m/%Y %H:%M") if dmy else recorded.strftime("%Y-%m-%d %H:%M"),
                "Disdukcapil Kota Balikpapan",
                f"08{rng.randrange(10**9, 10**10)}" if i % 5 else "",
                f"warga{i}@contoh.id" if i % 11 == 0 else "",
                f"Jl. Contoh No. {i % 300}",
            ]
            if i % 100 == 99:
                invalid += 1
                kind = (i // 100) % 6
                if kind == 0:
                    row[0] = row[0][:10] + "9999" + row[0][14:]  # still 16 digits...
                    row[0] = "00" + row[0][2:]  # ...but no such province
                elif kind == 1:
                    row[3] = "L" if sex == "P" else "P"
                elif kind == 2:
                    row[4] = "Atlantis"
                elif kind == 3:
                    row[2] = "31-02-1990"
                elif kind == 4:
                    row[5] = "#"
                else:
                    row[5] = f"BPN-{recorded:%y%m%d}-{i - 1:07d}"  # the previous row's number
            writer.writerow(row)
    return invalid


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def run_import(path: Path, env: dict, workers: int | None) -> tuple[float, int, str, str]:
    command = [sys.executable, "manage.py", "import_receipts", str(path), "-v", "2"]
    if workers is not None:
        command += ["--workers", str(workers)]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("import failed:\n" + output)
    timings, summary = output.strip().splitlines()[-2:]
    return wall, usage.ru_maxrss // 1024, timings, summary  # ru_maxrss is in KiB on Linux


def phases(timings: str) -> str:
    """The importer's ``phase=1.2s`` line as an aligned table, with each phase's share."""
    pairs = [item.split("=") for item in timings.split()]
    seconds = {name: float(value.rstrip("s")) for name, value in pairs}
    total = sum(seconds.values()) or 1.0
    return "\n".join(
        f"             {name:28} {value:7.1f} s {100 * value / total:4.0f} %"
        for name, value in seconds.items()
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--scratch", default=SCRATCH, help="name of the scratch database")
    parser.add_argument(
        "--workers", type=int, help="passed to import_receipts --workers (default: its own)"
    )
    args = parser.parse_args()
    scratch_name = args.scratch
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL=postgres://... (the benchmark needs PostgreSQL)")
    parsed = dj_database_url.parse(url)
    admin = admin_connection(parsed)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')
        cursor.execute(f'CREATE DATABASE "{scratch_name}"')
    env = dict(
        os.environ,
        DATABASE_URL=url_for(parsed, scratch_name),
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-import-" + "x" * 40),
        DEBUG="0",
        LOG_LEVEL="WARNING",
    )
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        scratch = admin_connection(dj_database_url.parse(env["DATABASE_URL"]))
        with scratch.cursor() as cursor:
            kecamatan = {}
            for place in wilayah():
                code = place["kecamatan_code"]
                if code not in kecamatan:
                    cursor.execute(
                        "INSERT INTO receipts_kecamatan (code, name, slug, address, counter_hours, "
                        "phone, contact_is_placeholder) VALUES (%s, %s, %s, '', '', '', true) "
                        "RETURNING id",
                        [
                            code,
                            place["kecamatan_name"],
                            place["kecamatan_name"].split()[-1].lower(),
                        ],
                    )
                    kecamatan[code] = cursor.fetchone()[0]
                cursor.execute(
                    "INSERT INTO receipts_kelurahan (code, name, kecamatan_id) VALUES (%s, %s, %s)",
                    [place["kelurahan_code"], place["kelurahan_name"], kecamatan[code]],
                )
        scratch.close()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "resi.csv"
            start = time.perf_counter()
            invalid = generate(path, args.rows)
            size = path.stat().st_size / 2**20
            print(
                f"generated {args.rows:,} rows ({invalid:,} invalid), {size:.0f} MiB "
                f"in {time.perf_counter() - start:.1f} s"
            )
            for label in ("import", "re-import"):
                load_before = load_average()
                wall, rss, timings, summary = run_import(path, env, args.workers)
                print(
                    f"{label:9}: {args.rows / wall:,.0f} rows/s, wall {wall:.1f} s, "
                    f"peak RSS {rss} MiB, load average {load_before} -> {load_average()}\n"
                    f"           {summary}\n{phases(timings)}",
                    flush=True,
                )
    finally:
        if not args.keep:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')
        admin.close()


if __name__ == "__main__":
    main()
