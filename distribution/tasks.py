"""Background jobs of the distribution app (disdukcapil/tasks.py): big staff exports and big
print runs."""

from django_tasks import task

from disdukcapil.tasks import QUEUE_LONG, alive_check


@task(queue_name=QUEUE_LONG)
def export_job_task(job_id: int) -> str:
    """Write the CSV file of an ExportJob (distribution/export_jobs.py)."""
    from distribution.export_jobs import export_job_run

    return export_job_run(job_id=job_id)


@alive_check(export_job_task)
def export_job_alive(job_id: int) -> bool | None:
    """Alive while its job runs with a fresh heartbeat (one per stored piece of the file)."""
    import datetime

    from django.conf import settings
    from django.utils import timezone

    from distribution.models import ExportJob

    fresh = timezone.now() - datetime.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    job = (
        ExportJob.objects.filter(pk=job_id).values("status", "heartbeat_at", "finished_at").first()
    )
    if job is None:
        return False
    if job["status"] in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
        return job["finished_at"] is not None and job["finished_at"] >= fresh
    if job["status"] == ExportJob.Status.WAITING:
        return None
    return job["heartbeat_at"] is not None and job["heartbeat_at"] >= fresh


@task(queue_name=QUEUE_LONG)
def print_run_job_task(job_id: int) -> str:
    """Create the print run of a PrintRunJob (distribution/print_run_jobs.py)."""
    from distribution.print_run_jobs import print_run_job_run

    return print_run_job_run(job_id=job_id)


@alive_check(print_run_job_task)
def print_run_job_alive(job_id: int) -> bool | None:
    """Alive while its job runs and is not stale (the run is one transaction: no heartbeat),
    or ended a moment ago."""
    import datetime

    from django.utils import timezone

    from distribution.models import PrintRunJob
    from distribution.print_run_jobs import ENDED_GRACE_SECONDS, print_run_job_is_stale

    now = timezone.now()
    job = PrintRunJob.objects.filter(pk=job_id).first()
    if job is None:
        return False
    if job.status == PrintRunJob.Status.WAITING:
        return None
    if job.finished:
        # A task whose job ended just now is left to its worker a moment to record its end.
        fresh = now - datetime.timedelta(seconds=ENDED_GRACE_SECONDS)
        return job.finished_at is not None and job.finished_at >= fresh
    return not print_run_job_is_stale(job, now=now)
