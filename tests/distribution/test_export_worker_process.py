"""A big export with the real task worker (`manage.py db_worker --queue-name long`) on
PostgreSQL: the file is the direct export's; a worker killed mid-export leaves a failed job
without a file, and its task row is marked failed by tasks_fail_stale."""

import datetime
import signal

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from disdukcapil.tasks import tasks_fail_stale
from distribution.export_jobs import export_job_create, export_jobs_fail_stale
from distribution.exports import receipt_export
from distribution.models import ExportFileChunk, ExportJob
from receipts.models import Status
from tests.factories import ReceiptFactory, ResidentFactory
from tests.receipts.test_import_worker_process import DB_BACKEND, _wait_for, _worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ready_receipts(sepinggan):
    for n in range(6):
        ReceiptFactory(
            number=f"BPN{n:010d}",
            resident=ResidentFactory(kelurahan=sepinggan),
            status=Status.READY,
        )


def test_a_real_worker_writes_the_file_of_a_big_export(settings, staff_client, ready_receipts):
    direct = b"".join(
        staff_client.get(reverse("ekspor:receipts"), {"status": "ready"}).streaming_content
    )
    settings.TASKS = DB_BACKEND
    settings.EXPORT_DIRECT_MAX_ROWS = 5
    response = staff_client.post(reverse("ekspor:jobs"), {"status": "ready"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.WAITING
    worker = _worker("--batch")
    assert worker.wait(timeout=60) == 0
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    download = staff_client.get(reverse("ekspor:download", args=[job.pk]))
    assert b"".join(download.streaming_content) == direct


def test_a_worker_killed_mid_export_leaves_a_failed_job_and_task(settings, staff, ready_receipts):
    settings.TASKS = DB_BACKEND
    job, _created = export_job_create(export=receipt_export(status="ready"), actor=staff)
    db = connection.settings_dict
    # Another session holds the receipts table: the worker claims the job and then waits on
    # its first read, until this session lets go (only after the worker is dead).
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    try:
        blocker.cursor().execute("LOCK TABLE receipts_receipt IN ACCESS EXCLUSIVE MODE")
        worker = _worker()
        try:
            _wait_for(lambda: ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.RUNNING)
            _wait_for(lambda: DBTaskResult.objects.filter(status="RUNNING").exists())
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.RUNNING  # what django-tasks-db leaves behind
    assert tasks_fail_stale() == 0  # the job's heartbeat is still fresh
    later = timezone.now() + datetime.timedelta(seconds=settings.EXPORT_STALE_SECONDS + 1)
    assert export_jobs_fail_stale(now=later) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "Ekspor terhenti" in job.error
    assert not ExportFileChunk.objects.filter(job=job).exists()
    assert tasks_fail_stale() == 0  # the job ended just now: left to its worker a moment
    ExportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert tasks_fail_stale() == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "disdukcapil.tasks.WorkerLost"
