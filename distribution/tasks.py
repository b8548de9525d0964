"""Background jobs of the distribution app (disdukcapil/tasks.py): big staff exports."""

from django_tasks import task

from disdukcapil.tasks import QUEUE_LONG


@task(queue_name=QUEUE_LONG)
def export_job_task(job_id: int) -> str:
    """Write the CSV file of an ExportJob (distribution/export_jobs.py)."""
    from distribution.export_jobs import export_job_run

    return export_job_run(job_id=job_id)
