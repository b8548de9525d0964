"""The admin upload with the real task worker (`manage.py db_worker`) on PostgreSQL: the
report ends in the database; a worker killed mid-import leaves nothing and the job failed."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from demo.identities import make_nik
from receipts.import_jobs import import_job_create, import_jobs_fail_stale
from receipts.models import ImportJob, ImportUploadChunk, JobStatus, Receipt, Resident
from tests.import_rows import budi, csv_text, siti

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "long"]}
}


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(*extra: str, **env) -> subprocess.Popen:
    command = [
        sys.executable, "manage.py", "db_worker", "--no-startup-delay",
        "--queue-name", "long", "--interval", "0.1", *extra,
    ]  # fmt: skip
    environment = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=_database_url(),
        TASKS_BACKEND="database",
        **env,
    )
    return subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_real_worker_imports_the_upload_and_the_report_stays(settings, staff_client, places):
    settings.TASKS = DB_BACKEND
    upload = SimpleUploadedFile("resi.csv", csv_text(siti(), budi(nik="123")).encode())
    response = staff_client.post("/admin/receipts/import/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == JobStatus.WAITING and Receipt.objects.count() == 0
    worker = _worker("--batch")
    assert worker.wait(timeout=60) == 0
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert (job.counts["inserted"], job.counts["rejected"]) == (1, 1)
    assert Receipt.objects.count() == 1
    page = staff_client.get(response["Location"]).content.decode()
    assert "Resi baru</th><td>1<" in page
    rejects = staff_client.get(response["Location"] + "ditolak.csv")
    assert "NIK tidak valid" in rejects.content.decode("utf-8-sig")


def _rows(count: int) -> list[dict]:
    start = datetime.date(1980, 1, 1)
    return [
        siti(
            nik=make_nik(
                district_code="64.71.05",
                birth_date=start + datetime.timedelta(days=n // 9000),
                sex="P",
                serial=n % 9000 + 1,
            ),
            nomor_resi=f"BPN{n:010d}",
        )
        for n in range(count)
    ]


def _advisory_lock_holders() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_import_writes_nothing_and_the_job_ends_failed(
    settings, staff, staff_client, places
):
    settings.TASKS = DB_BACKEND
    rows = 12_000
    upload = SimpleUploadedFile("besar.csv", csv_text(*_rows(rows)).encode())
    job, _created = import_job_create(upload=upload, actor=staff, dry_run=False, token="k")
    db = connection.settings_dict
    # Another session holds SHARE on the receipts table: the import reads and stages every
    # row, writes the residents, and then waits at the receipts' INSERT, in the middle of its
    # transaction, until this session lets go (only after the worker is dead).
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    try:
        blocker.cursor().execute("LOCK TABLE receipts_receipt IN SHARE MODE")
        worker = _worker(IMPORT_HEARTBEAT_MS="100")
        try:
            # The progress comes from the worker's heartbeat while the import's transaction
            # is open: every row read, and the import is waiting on the lock.
            _wait_for(lambda: ImportJob.objects.get(pk=job.pk).rows_done == rows)
            job.refresh_from_db()
            assert job.status == JobStatus.RUNNING
            assert _advisory_lock_holders() == 1
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    # The worker's session finds its client gone and rolls back: the lock is free again.
    _wait_for(lambda: _advisory_lock_holders() == 0)
    assert Receipt.objects.count() == 0
    assert Resident.objects.count() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # until the heartbeat is seen to be stale
    later = timezone.now() + datetime.timedelta(seconds=settings.IMPORT_STALE_SECONDS + 1)
    assert import_jobs_fail_stale(now=later) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Tidak ada yang disimpan" in job.error
    assert not ImportUploadChunk.objects.filter(job=job).exists()
    staff_client.force_login(staff)
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert "Impor terhenti" in page and "http-equiv" not in page
