"""Background jobs of the receipts app (disdukcapil/tasks.py): the admin upload's import."""

from django_tasks import task

from disdukcapil.tasks import QUEUE_LONG


@task(queue_name=QUEUE_LONG)
def import_job_task(job_id: int) -> str:
    """Import the file of an uploaded ImportJob (receipts/import_jobs.py)."""
    from receipts.import_jobs import import_job_run

    return import_job_run(job_id=job_id)
