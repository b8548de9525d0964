"""Task rows left RUNNING by a dead worker are marked FAILED (disdukcapil.tasks.tasks_fail_stale).

django-tasks-db never corrects them itself. A task with a job row of its own (the import, a
big export) is judged by that job's heartbeat; any other by how long it has been running.
"""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from disdukcapil.tasks import tasks_fail_stale
from distribution.models import ExportJob
from receipts.models import ImportJob, JobStatus


def ago(**delta) -> datetime.datetime:
    # From the real clock: the jobs' liveness checks read it too.
    return timezone.now() - datetime.timedelta(**delta)


def running(task_path: str, *, started, args=()) -> DBTaskResult:
    return DBTaskResult.objects.create(
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task_path,
        backend_name="default",
        queue_name="default",
        run_after=started,
        status=TaskResultStatus.RUNNING,
        started_at=started,
        worker_ids=["dead-worker"],
    )


def status(row) -> str:
    row.refresh_from_db()
    return row.status


@pytest.fixture
def stale_settings(settings):
    settings.TASKS_STALE_MINUTES = 30
    settings.IMPORT_STALE_SECONDS = 60
    settings.EXPORT_STALE_SECONDS = 60


def test_a_task_without_a_heartbeat_fails_after_the_age_limit(db, stale_settings):
    old = running("notifications.tasks.tick", started=ago(minutes=31))
    young = running("notifications.tasks.tick", started=ago(minutes=29))
    done = running("notifications.tasks.tick", started=ago(hours=2))
    DBTaskResult.objects.filter(pk=done.pk).update(status=TaskResultStatus.SUCCESSFUL)

    now = timezone.now()
    assert tasks_fail_stale(now=now) == 1

    assert status(old) == TaskResultStatus.FAILED
    old.refresh_from_db()
    assert old.exception_class_path == "disdukcapil.tasks.WorkerLost"
    assert old.finished_at == now
    assert status(young) == TaskResultStatus.RUNNING
    assert status(done) == TaskResultStatus.SUCCESSFUL  # never touched


@pytest.mark.postgres  # an import writes its heartbeat on PostgreSQL only
def test_an_import_task_is_judged_by_its_jobs_heartbeat(staff, stale_settings):
    def job(**fields):
        return ImportJob.objects.create(
            uploaded_by=staff, token=f"t{ImportJob.objects.count()}", file_name="resi.csv",
            size=1, **fields,
        )  # fmt: skip

    path = "receipts.tasks.import_job_task"
    beating = job(status=JobStatus.RUNNING, heartbeat_at=ago(seconds=5))
    silent = job(status=JobStatus.RUNNING, heartbeat_at=ago(seconds=90))
    ended = job(status=JobStatus.FAILED, finished_at=ago(minutes=5))
    just_done = job(status=JobStatus.DONE, finished_at=ago(seconds=1))
    # A long import with a fresh heartbeat lives, however long it has been running.
    long_alive = running(path, started=ago(hours=3), args=[beating.pk])
    dead = running(path, started=ago(minutes=2), args=[silent.pk])
    leftover = running(path, started=ago(minutes=6), args=[ended.pk])
    finishing = running(path, started=ago(minutes=4), args=[just_done.pk])
    gone = running(path, started=ago(minutes=1), args=[999_999])

    assert tasks_fail_stale() == 3

    assert status(long_alive) == TaskResultStatus.RUNNING
    assert status(dead) == TaskResultStatus.FAILED
    assert status(leftover) == TaskResultStatus.FAILED
    assert status(finishing) == TaskResultStatus.RUNNING  # its worker is writing the result
    assert status(gone) == TaskResultStatus.FAILED


def test_an_export_task_is_judged_by_its_jobs_heartbeat(staff, stale_settings):
    path = "distribution.tasks.export_job_task"
    beating = ExportJob.objects.create(
        requested_by=staff, token="a" * 20, kind="receipts",
        status=ExportJob.Status.RUNNING, heartbeat_at=ago(seconds=5),
    )  # fmt: skip
    silent = ExportJob.objects.create(
        requested_by=staff, token="b" * 20, kind="receipts",
        status=ExportJob.Status.RUNNING, heartbeat_at=ago(seconds=61),
    )  # fmt: skip
    alive = running(path, started=ago(hours=1), args=[beating.pk])
    dead = running(path, started=ago(minutes=2), args=[silent.pk])

    call_command("tasks_fail_stale")

    assert status(alive) == TaskResultStatus.RUNNING
    assert status(dead) == TaskResultStatus.FAILED
