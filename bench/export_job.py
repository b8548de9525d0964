"""The whole-city ``ready`` export as a job (distribution/export_jobs.py), in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_export_bench \\
        python bench/export_job.py --user exportbench

Creates an export job for the account, runs it as the worker would, then reads the stored
file back as the download does and compares it with the direct export's bytes (same
filters, same process). Prints the job's time, rows, sizes (CSV and stored) and whether the
two files are identical, with the load average. Deletes the job at the end.
"""

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", required=True)
    parser.add_argument("--status", default="ready")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db.models import Sum
    from django.db.models.functions import Length

    from disdukcapil.spreadsheet import csv_pieces
    from distribution.export_jobs import export_job_pieces, export_job_run
    from distribution.exports import RECEIPTS_HEADER, receipt_export
    from distribution.models import ExportFileChunk, ExportJob

    user = get_user_model().objects.get(username=args.user)
    export = receipt_export(status=args.status)
    job = ExportJob.objects.create(
        requested_by=user, token=f"bench-{time.time_ns()}", kind="receipts",
        filters=export.filters, file_name=export.file_name,
    )  # fmt: skip
    try:
        print(f"load {os.getloadavg()[0]:.2f}")
        started = time.monotonic()
        status = export_job_run(job_id=job.pk)
        took = time.monotonic() - started
        job.refresh_from_db()
        stored = ExportFileChunk.objects.filter(job=job).aggregate(n=Sum(Length("data")))["n"]
        pieces = ExportFileChunk.objects.filter(job=job).count()
        print(
            f"job {status}: {job.rows_done} rows in {took:.1f} s, CSV {job.size / 1e6:.1f} MB, "
            f"stored {stored / 1e6:.1f} MB in {pieces} pieces, load {os.getloadavg()[0]:.2f}"
        )
        started = time.monotonic()
        from_job = hashlib.sha256()
        for piece in export_job_pieces(job):
            from_job.update(piece)
        read = time.monotonic() - started
        direct = hashlib.sha256()
        for piece in csv_pieces(RECEIPTS_HEADER, export.rows()):
            direct.update(piece)
        print(
            f"read back in {read:.1f} s; identical to the direct export: "
            f"{from_job.digest() == direct.digest()}, load {os.getloadavg()[0]:.2f}"
        )
    finally:
        job.delete()


if __name__ == "__main__":
    main()
