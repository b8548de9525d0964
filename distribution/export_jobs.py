"""Big staff exports on the task worker (issue 16, finding 3): queue, write, download, prune.

An export of more than EXPORT_DIRECT_MAX_ROWS receipts is not sent inside a request: the
whole-city ``ready`` list (500,000 rows at 1M receipts) takes longer to send than gunicorn's
30 s timeout allows on a slow link, and a killed worker leaves a cut-off file. Instead the
staff member asks for the file (a POST with a one-time token), ``export_job_task`` writes it
on the ``long`` queue into ExportFileChunk rows (zlib-compressed pieces of about 1 MiB, in
the database like the admin import's upload: a web worker on any host can serve it, none
holds the whole file), and the job's page (reloading itself) shows a download link once it
is done. The file is the same bytes the direct download would send for those filters: same
query, same rows, same writer (``csv_pieces``, formula cells escaped).

The worker writes in autocommit: each stored piece also moves ``rows_done`` and the
heartbeat. The job reads "done" only once its last piece is stored; a failure deletes the
pieces and records the message. A worker killed mid-export stops the heartbeat, and
``export_jobs_fail_stale`` (run by the job's page) turns the job into "failed" after
EXPORT_STALE_SECONDS and deletes what was written. ``manage.py prune_export_jobs`` deletes
jobs (and their files) older than EXPORT_KEEP_HOURS.
"""

import datetime
import logging
import secrets
import zlib

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disdukcapil.spreadsheet import csv_pieces
from disdukcapil.tasks import enqueue_on_commit, job_finish_failed
from distribution.exports import RECEIPTS_HEADER, ExportFilterError, ReceiptExport, receipt_export
from distribution.models import ExportFileChunk, ExportJob

logger = logging.getLogger("distribution.export_jobs")

# Text gathered before a piece is compressed and stored (one row of ExportFileChunk).
STORED_PIECE_BYTES = 1024 * 1024
ACTIVE = (ExportJob.Status.WAITING, ExportJob.Status.RUNNING)


def _failed_message() -> str:
    return _(
        "Ekspor gagal (basis data tidak tersedia atau kesalahan lain); berkas tidak dibuat. "
        "Coba lagi."
    )


def _stale_message() -> str:
    return _(
        "Ekspor terhenti: pekerja latar belakang berhenti di tengah jalan (dimatikan atau "
        "dimulai ulang). Berkas tidak dibuat. Minta ekspornya lagi."
    )


def export_job_create(*, export: ReceiptExport, actor, token: str = "") -> tuple[ExportJob, bool]:
    """Queue the export of ``export`` for ``actor``; return (job, created).

    The form's one-time ``token`` posted again (double click, browser retry) finds the first
    job. A job of ``actor`` for the same filters that has not ended yet is returned as well:
    the same file is never written twice at once.
    """
    token = token or secrets.token_urlsafe(24)
    jobs = ExportJob.objects.filter(requested_by=actor)
    existing = (
        jobs.filter(token=token).first()
        or jobs.filter(kind=ExportJob.Kind.RECEIPTS, filters=export.filters, status__in=ACTIVE)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                requested_by=actor,
                token=token,
                kind=ExportJob.Kind.RECEIPTS,
                filters=export.filters,
                file_name=export.file_name,
            )
            from distribution.tasks import export_job_task

            enqueue_on_commit(export_job_task, job.pk)
    except IntegrityError:
        # The same form posted twice at once: the unique (requested_by, token) made this one
        # wait for the other request's commit; that request's job is the one.
        return jobs.get(token=token), False
    return job, True


class _PieceStore:
    """Gathers the CSV pieces, stores them compressed in ~1 MiB rows, moves the progress."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.seq = 0
        self.size = 0
        self.pending: list[bytes] = []
        self.pending_bytes = 0

    def add(self, piece: bytes, rows_done: int) -> None:
        self.pending.append(piece)
        self.pending_bytes += len(piece)
        if self.pending_bytes >= STORED_PIECE_BYTES:
            self.flush(rows_done)

    def flush(self, rows_done: int) -> None:
        if not self.pending:
            return
        data = b"".join(self.pending)
        ExportFileChunk.objects.create(job_id=self.job_id, seq=self.seq, data=zlib.compress(data))
        self.seq += 1
        self.size += len(data)
        self.pending, self.pending_bytes = [], 0
        ExportJob.objects.filter(pk=self.job_id, status=ExportJob.Status.RUNNING).update(
            rows_done=rows_done, heartbeat_at=timezone.now()
        )


def export_job_run(*, job_id: int) -> str:
    """Write the file of a waiting job; record the result or the failure; return the job's
    final status. A job that is not waiting (run already) is left alone."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.WAITING).update(
        status=ExportJob.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return "skipped"
    job = ExportJob.objects.get(pk=job_id)
    try:
        export = receipt_export(**job.filters)
        total = export.queryset().count()
        ExportJob.objects.filter(pk=job_id).update(rows_total=total, heartbeat_at=timezone.now())
        store = _PieceStore(job_id)
        rows_done = 0

        def counted(rows):
            nonlocal rows_done
            for rows_done, row in enumerate(rows, start=1):  # noqa: B007 - read by add()
                yield row

        for piece in csv_pieces(RECEIPTS_HEADER, counted(export.rows())):
            store.add(piece, rows_done)
        store.flush(rows_done)
        # Conditional on "running": a job declared stale meanwhile keeps its verdict.
        finished = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.DONE,
            rows_done=rows_done,
            size=store.size,
            finished_at=timezone.now(),
            error="",
        )
        if not finished:
            ExportFileChunk.objects.filter(job_id=job_id).delete()
            return ExportJob.Status.FAILED
    except ExportFilterError as error:
        _finish_failed(job_id, error.message)
        return ExportJob.Status.FAILED
    except DatabaseError:
        logger.exception("export job %s failed", job_id)
        _finish_failed(job_id, _failed_message())
        return ExportJob.Status.FAILED
    except BaseException:
        logger.exception("export job %s failed", job_id)
        _finish_failed(job_id, _failed_message())
        raise
    return ExportJob.Status.DONE


def _finish_failed(job_id: int, message: str) -> None:
    job_finish_failed(
        ExportJob.objects.filter(pk=job_id),
        ExportFileChunk.objects.filter(job_id=job_id),
        done=ExportJob.Status.DONE,
        failed=ExportJob.Status.FAILED,
        message=message,
    )


def export_jobs_fail_stale(*, now: datetime.datetime | None = None) -> int:
    """Mark running jobs whose heartbeat stopped (their worker died) as failed and delete
    what they had written; return how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    with transaction.atomic():
        stale = list(
            ExportJob.objects.select_for_update(skip_locked=True)
            .filter(status=ExportJob.Status.RUNNING, heartbeat_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        if not stale:
            return 0
        count = ExportJob.objects.filter(pk__in=stale, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.FAILED, error=_stale_message(), finished_at=now
        )
        ExportFileChunk.objects.filter(job_id__in=stale).delete()
    return count


def export_job_pieces(job: ExportJob):
    """The file of a finished job, piece by piece (one stored row in memory at a time)."""
    for seq in range(ExportFileChunk.objects.filter(job=job).count()):
        data = (
            ExportFileChunk.objects.filter(job=job, seq=seq).values_list("data", flat=True).first()
        )
        if data is None:
            return  # pruned while downloading: the short body fails its Content-Length
        yield zlib.decompress(bytes(data))


def export_jobs_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete jobs (and their files) asked for more than EXPORT_KEEP_HOURS ago; return how
    many. An export takes minutes: a job that old and not finished will never finish."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    _deleted, per_model = ExportJob.objects.filter(created_at__lt=cutoff).delete()
    return per_model.get(ExportJob._meta.label, 0)
