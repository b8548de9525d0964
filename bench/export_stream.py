"""Time to first byte, total time and peak RSS of the staff CSV exports, through gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_x_1m \\
        python bench/export_stream.py --port 8220 --user importbench --password ... [--rounds 3]

Starts gunicorn with ONE sync worker (so every export runs in the same process and its peak
RSS, VmHWM, is the export's), logs in, and downloads in alternating rounds: the ``ready``
receipts of one kecamatan (the issue's ~54,000-row export), every ``ready`` receipt, and a
reference (the print list of the newest run). Prints rows, MB, TTFB, total seconds, and the
worker's peak RSS after each, with the load average.
"""

import argparse
import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.admin_import_load import Session, children, peak_rss_mb  # noqa: E402


def download(session: Session, port: int, path: str) -> tuple[int, int, float, float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.monotonic()
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    first = response.read(1)
    ttfb = time.monotonic() - started
    size, lines = len(first), first.count(b"\n")
    while chunk := response.read(1 << 16):
        size += len(chunk)
        lines += chunk.count(b"\n")
    conn.close()
    return response.status, lines - 1, size, ttfb, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8220)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT k.slug, COUNT(*) FROM receipts_receipt r JOIN receipts_kecamatan k "
            "ON k.id = r.collection_kecamatan_id WHERE r.status = 'ready' GROUP BY k.slug "
            "HAVING COUNT(*) >= 54000 ORDER BY COUNT(*) LIMIT 1"
        )
        slug, count = cursor.fetchone()
        cursor.execute("SELECT MAX(id) FROM distribution_printrun")
        run_id = cursor.fetchone()[0]
    exports = {
        f"ready {slug} ({count})": f"/staf/ekspor/resi/?status=ready&kecamatan={slug}",
        "ready (all)": "/staf/ekspor/resi/?status=ready",
    }
    if run_id:
        exports[f"print list run {run_id}"] = f"/staf/ekspor/cetak/{run_id}/"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="disdukcapil.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        RATELIMIT_ENABLED="0",
        WEB_CONCURRENCY="1",
        GUNICORN_TIMEOUT="600",  # to see the whole export; the default 30 s is reported
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
    )
    web = subprocess.Popen(  # noqa: S603
        [Path(sys.executable).parent / "gunicorn", "--config", "disdukcapil/gunicorn.conf.py",
         "disdukcapil.wsgi", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        session = Session(args.port)
        deadline = time.monotonic() + 60
        while True:
            try:
                session.request("GET", "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        session.login(args.user, args.password)
        (pid,) = children(web.pid)
        print(f"worker {pid} after login: peak RSS {peak_rss_mb(pid):.0f} MB")
        for round_no in range(1, args.rounds + 1):
            for name, path in exports.items():
                status, rows, size, ttfb, total = download(session, args.port, path)
                print(
                    f"round {round_no} {name}: HTTP {status}, {rows} rows, {size / 1e6:.1f} MB, "
                    f"TTFB {ttfb * 1000:.0f} ms, total {total:.1f} s, "
                    f"worker peak RSS {peak_rss_mb(pid):.0f} MB, load {os.getloadavg()[0]:.2f}"
                )
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)


if __name__ == "__main__":
    main()
