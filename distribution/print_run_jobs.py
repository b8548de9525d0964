"""Big print runs on the task worker (issue 16, finding 14): queue, create, settle.

A run of more than PRINT_RUN_DIRECT_MAX_CARDS cards is not created inside the request: a
100,000-card run takes 27-30 s, and gunicorn's 30 s timeout killed the worker while the
transaction committed — the run existed, the user saw a dropped connection, and a retry would
have made a second one. Instead the form's POST (same form, same one-time token) records a
PrintRunJob and ``print_run_job_task`` creates the run on the ``long`` queue; the job's page
(reloading itself) leads to the run once it exists.

The worker calls ``print_run_create`` with the requester as actor and the job's token as the
form's token, so whatever happens the job makes at most one run:

- the run is one transaction: a worker killed before the commit wrote nothing;
- a worker killed after the commit, before the job row says "done", left the token's
  IdempotencyKey pointing to the run: ``print_run_job_settle`` (run by the job's page) finds
  it and marks the job done with that run; the task run again meets AlreadySubmitted and
  does the same instead of a second run;
- with no heartbeat inside the run's transaction, a job running for longer than
  PRINT_RUN_JOB_STALE_SECONDS (well above the longest run) and with no run for its token
  belonged to a worker that died: it is shown failed, and the form can be sent again.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disdukcapil.errors import ApplicationError
from disdukcapil.tasks import enqueue_on_commit, job_finish_failed
from distribution.models import IdempotencyKey, PrintRunJob
from distribution.services import AlreadySubmitted, print_run_create
from receipts.models import Kecamatan

logger = logging.getLogger("distribution.print_run_jobs")

# A task whose job ended less than this ago still belongs to a live worker (tasks_fail_stale).
ENDED_GRACE_SECONDS = 60


def print_run_is_direct(count: int) -> bool:
    """Whether a run of ``count`` cards is created inside the request (0: every run is)."""
    limit = settings.PRINT_RUN_DIRECT_MAX_CARDS
    return limit <= 0 or count <= limit


def _failed_message() -> str:
    return _(
        "Proses cetak gagal dibuat (basis data tidak tersedia atau kesalahan lain); tidak ada "
        "yang disimpan. Coba lagi."
    )


def _stale_message() -> str:
    return _(
        "Proses cetak tidak selesai: pekerja latar belakang berhenti di tengah jalan "
        "(dimatikan atau dimulai ulang). Tidak ada yang disimpan. Buat proses cetaknya lagi."
    )


def print_run_job_create(
    *,
    kecamatan: Kecamatan | None,
    count: int,
    cutoff_date: datetime.date,
    actor,
    token: str | None = None,
) -> tuple[PrintRunJob, bool]:
    """Queue a print run for ``actor``; return (job, created).

    The form's one-time ``token`` posted again (double click, browser retry) finds the first
    job. A token that already made a run directly (the same form sent back with a bigger
    count) raises AlreadySubmitted, as print_run_create would. Without a token (an old page)
    the job gets one of its own: the worker still makes one run at most.
    """
    token = token or secrets.token_urlsafe(24)
    jobs = PrintRunJob.objects.filter(requested_by=actor)
    existing = jobs.filter(token=token).first()
    if existing is not None:
        return existing, False
    record = IdempotencyKey.objects.filter(user=actor, key=token).first()
    if record is not None:
        raise AlreadySubmitted(record)
    try:
        with transaction.atomic():
            job = PrintRunJob.objects.create(
                requested_by=actor,
                token=token,
                kecamatan=kecamatan,
                count=count,
                cutoff_date=cutoff_date,
            )
            from distribution.tasks import print_run_job_task

            enqueue_on_commit(print_run_job_task, job.pk)
    except IntegrityError:
        # The same form posted twice at once: the unique (requested_by, token) made this one
        # wait for the other request's commit; that request's job is the one.
        return jobs.get(token=token), False
    return job, True


def _finish_done(job_id: int, run_id: int) -> None:
    # Not conditional on "running": the run exists, whatever the row said meanwhile (a job
    # declared stale while its transaction was still committing).
    PrintRunJob.objects.filter(pk=job_id).exclude(status=PrintRunJob.Status.DONE).update(
        status=PrintRunJob.Status.DONE, print_run_id=run_id, error="", finished_at=timezone.now()
    )


def _finish_failed(job_id: int, message: str) -> None:
    job_finish_failed(
        PrintRunJob.objects.filter(pk=job_id),
        PrintRunJob.objects.none(),  # nothing stored beside the row
        done=PrintRunJob.Status.DONE,
        failed=PrintRunJob.Status.FAILED,
        message=message,
    )


def print_run_job_run(*, job_id: int) -> str:
    """Create the run of a waiting job; record the run or the failure; return the job's final
    status. A job that is not waiting (claimed already) is left alone."""
    claimed = PrintRunJob.objects.filter(pk=job_id, status=PrintRunJob.Status.WAITING).update(
        status=PrintRunJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = PrintRunJob.objects.select_related("requested_by", "kecamatan").get(pk=job_id)
    try:
        run = print_run_create(
            kecamatan=job.kecamatan,
            count=job.count,
            cutoff_date=job.cutoff_date,
            actor=job.requested_by,
            idempotency_key=job.token,
        )
    except AlreadySubmitted as already:
        if already.record.kind != IdempotencyKey.Kind.PRINT_RUN or not already.record.object_id:
            _finish_failed(job_id, _failed_message())  # the token answers another form
            return PrintRunJob.Status.FAILED
        # This token made its run before (a worker that died after the commit): that one.
        _finish_done(job_id, already.record.object_id)
        return PrintRunJob.Status.DONE
    except ApplicationError as error:
        _finish_failed(job_id, error.message)
        return PrintRunJob.Status.FAILED
    except DatabaseError:
        logger.exception("print run job %s failed", job_id)
        _finish_failed(job_id, _failed_message())
        return PrintRunJob.Status.FAILED
    except BaseException:
        logger.exception("print run job %s failed", job_id)
        _finish_failed(job_id, _failed_message())
        raise
    _finish_done(job_id, run.pk)
    return PrintRunJob.Status.DONE


def print_run_job_is_stale(job: PrintRunJob, *, now: datetime.datetime) -> bool:
    """A running job whose worker must have died: it started longer ago than any run takes."""
    limit = datetime.timedelta(seconds=settings.PRINT_RUN_JOB_STALE_SECONDS)
    return (
        job.status == PrintRunJob.Status.RUNNING
        and job.started_at is not None
        and job.started_at < now - limit
    )


def print_run_job_settle(job: PrintRunJob, *, now: datetime.datetime | None = None) -> PrintRunJob:
    """Bring the job's row up to what really happened, and return it (refreshed).

    A job that is not done although its token made a run (its worker died after the commit,
    or the row was declared stale while the run was committing) is done with that run; a
    stale running job without one is failed.
    """
    if job.status not in (PrintRunJob.Status.RUNNING, PrintRunJob.Status.FAILED):
        return job
    now = now or timezone.now()
    run_id = (
        IdempotencyKey.objects.filter(
            user_id=job.requested_by_id,
            key=job.token,
            kind=IdempotencyKey.Kind.PRINT_RUN,
            object_id__isnull=False,
        )
        .values_list("object_id", flat=True)
        .first()
    )
    if run_id is not None:
        _finish_done(job.pk, run_id)
    elif print_run_job_is_stale(job, now=now):
        # Conditional on the row not having moved since it was read: a worker that finishes
        # meanwhile keeps its own verdict.
        PrintRunJob.objects.filter(
            pk=job.pk, status=PrintRunJob.Status.RUNNING, started_at=job.started_at
        ).update(status=PrintRunJob.Status.FAILED, error=_stale_message(), finished_at=now)
    else:
        return job
    job.refresh_from_db()
    return job
