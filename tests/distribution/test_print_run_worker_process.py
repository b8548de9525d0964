"""A big print run with the real task worker (`manage.py db_worker --queue-name long`) on
PostgreSQL: the worker creates the run and the job's page leads to it; a worker killed in the
middle of the run writes nothing, and the job is shown failed once stale."""

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
from distribution.models import BlankBatch, IdempotencyKey, PrintRun, PrintRunJob
from distribution.print_run_jobs import print_run_job_create, print_run_job_settle
from receipts.models import Receipt, Status
from tests.factories import BlankBatchFactory, waiting_receipts
from tests.receipts.test_import_worker_process import DB_BACKEND, _wait_for, _worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)


@pytest.fixture
def queue(sepinggan):
    BlankBatchFactory(quantity=50)
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    return waiting_receipts(kelurahan=sepinggan, count=10, first_recorded_at=start)


def test_a_real_worker_creates_the_run_of_a_big_print_job(settings, staff_client, queue):
    settings.TASKS = DB_BACKEND
    settings.PRINT_RUN_DIRECT_MAX_CARDS = 5
    data = {"kecamatan": "", "count": "8", "cutoff_date": CUTOFF.isoformat()}
    response = staff_client.post(reverse("staf:run_create"), data)
    job = PrintRunJob.objects.get()
    assert response["Location"] == reverse("staf:run_job", args=[job.pk])
    assert job.status == PrintRunJob.Status.WAITING and PrintRun.objects.count() == 0
    assert "menunggu" in staff_client.get(response["Location"]).content.decode()

    worker = _worker("--batch")
    assert worker.wait(timeout=60) == 0

    job.refresh_from_db()
    assert job.status == PrintRunJob.Status.DONE, job.error
    run = PrintRun.objects.get()
    assert (job.print_run, run.allocated, run.created_by) == (run, 8, job.requested_by)
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    page = staff_client.get(response["Location"])
    assert page["Location"] == reverse("staf:run_detail", args=[run.pk])
    detail = staff_client.get(page["Location"]).content.decode()
    assert f"Proses cetak #{run.pk} dibuat dengan 8 kartu." in detail


def test_a_worker_killed_mid_run_writes_nothing_and_the_job_fails_when_stale(
    settings, staff, queue
):
    settings.TASKS = DB_BACKEND
    job, _created = print_run_job_create(
        kecamatan=None, count=8, cutoff_date=CUTOFF, actor=staff, token="kill-token-0123456789"
    )
    db = connection.settings_dict
    # Another session holds the blank batches: the worker claims the job, opens the run's
    # transaction (the token's row inserted) and waits on the batches' lock until it is dead.
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    try:
        blocker.cursor().execute("LOCK TABLE distribution_blankbatch IN ACCESS EXCLUSIVE MODE")
        worker = _worker()
        try:
            _wait_for(lambda: PrintRunJob.objects.get(pk=job.pk).status == "running")
            _wait_for(lambda: DBTaskResult.objects.filter(status="RUNNING").exists())
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    # The killed worker's session rolls back once it gets the lock and finds no client.
    _wait_for(
        lambda: (
            not IdempotencyKey.objects.exists()
            and not _session_waiting(db["NAME"], "distribution_blankbatch")
        )
    )
    assert PrintRun.objects.count() == 0
    assert BlankBatch.objects.get().used == 0
    assert Receipt.objects.filter(status=Status.RECORDED).count() == 10

    job.refresh_from_db()
    assert print_run_job_settle(job).status == "running"  # within the limit: still running
    assert tasks_fail_stale() == 0
    later = timezone.now() + datetime.timedelta(seconds=settings.PRINT_RUN_JOB_STALE_SECONDS + 1)
    job = print_run_job_settle(job, now=later)
    assert (job.status, job.print_run) == ("failed", None)
    assert "Proses cetak tidak selesai" in job.error
    PrintRunJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert tasks_fail_stale() == 1
    assert DBTaskResult.objects.get().exception_class_path == "disdukcapil.tasks.WorkerLost"


def _session_waiting(dbname: str, table: str) -> bool:
    """Whether some session of ``dbname`` still runs a query naming ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
            "AND query LIKE %s AND pid <> pg_backend_pid()",
            [dbname, f"%{table}%"],
        )
        return cursor.fetchone()[0] > 0
