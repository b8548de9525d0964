"""Background jobs of the receipts app (disdukcapil/tasks.py): the admin upload's import."""

from django_tasks import task

from disdukcapil.tasks import QUEUE_LONG, alive_check


@task(queue_name=QUEUE_LONG)
def import_job_task(job_id: int) -> str:
    """Import the file of an uploaded ImportJob (receipts/import_jobs.py)."""
    from receipts.import_jobs import import_job_run

    return import_job_run(job_id=job_id)


@alive_check(import_job_task)
def import_job_alive(job_id: int) -> bool | None:
    """Alive while its job runs with a fresh heartbeat; None (the age rule) on SQLite, where
    an import writes no heartbeat (receipts/import_jobs.py)."""
    import datetime

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from receipts.models import ImportJob, JobStatus

    if connection.vendor != "postgresql":
        return None
    fresh = timezone.now() - datetime.timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    job = (
        ImportJob.objects.filter(pk=job_id).values("status", "heartbeat_at", "finished_at").first()
    )
    if job is None:
        return False
    if job["status"] in (JobStatus.DONE, JobStatus.FAILED):
        # Ended while its task row still says running: dead, unless it ended just now (the
        # worker is writing the task's result).
        return job["finished_at"] is not None and job["finished_at"] >= fresh
    if job["status"] == JobStatus.WAITING:
        return None  # claimed by the worker, not yet started: the age rule
    return job["heartbeat_at"] is not None and job["heartbeat_at"] >= fresh
