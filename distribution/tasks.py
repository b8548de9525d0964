"""Background jobs of the distribution app (disdukcapil/tasks.py): big staff exports."""

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
