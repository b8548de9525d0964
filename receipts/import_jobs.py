"""The admin import on the task worker (issue 16, finding 3): store, queue, run, report.

The upload request only checks the header, stores the file in the database (ImportUploadChunk
rows of 1 MiB, so a worker on another host can read it and no process holds the whole file)
and queues ``receipts.tasks.import_job_task`` on the ``long`` queue; it answers with a redirect
to the job's progress page at once. The worker runs the same ``import_receipts`` as the
command, in one transaction, and writes the report (counts, rejects CSV) into the ImportJob
row inside that same transaction: a job reads "done" exactly when its rows are committed.

While it runs, a thread of the worker writes the rows read so far and a heartbeat into the
job row every IMPORT_HEARTBEAT_MS, through its own connection (autocommit), so the import's
transaction and its advisory lock stay as they are. A worker killed mid-import: PostgreSQL
rolls the import back when its connection drops (nothing half-written), the heartbeat stops,
and ``import_jobs_fail_stale`` turns the job into "failed" with a message once the heartbeat
is IMPORT_STALE_SECONDS old (the progress page runs it), instead of "running" forever.

Two uploads: the second waits in the queue behind the first (one ``long`` worker takes one
job at a time; with several workers, the import's advisory lock still runs them one after the
other). A second POST of the same form (double click, browser retry) carries the same form
token and finds the first job again: the file is imported once.
"""

import datetime
import io
import logging
import secrets
import threading
import zlib

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disdukcapil.spreadsheet import BOM, SafeWriter
from disdukcapil.tasks import enqueue_on_commit, job_finish_failed
from receipts.importing import ImportFormatError, import_receipts
from receipts.models import ImportJob, ImportUploadChunk, JobStatus
from receipts.tasks import import_job_task

logger = logging.getLogger("receipts.import_jobs")

UPLOAD_CHUNK_BYTES = 1024 * 1024


def _failed_message() -> str:
    return _(
        "Impor gagal dan tidak ada yang disimpan (data berubah bersamaan atau basis data "
        "tidak tersedia). Coba unggah lagi."
    )


def _stale_message() -> str:
    return _(
        "Impor terhenti: pekerja latar belakang berhenti di tengah jalan (dimatikan atau "
        "dimulai ulang). Tidak ada yang disimpan. Unggah berkasnya lagi."
    )


def import_job_create(*, upload, actor, dry_run: bool, token: str = "") -> tuple[ImportJob, bool]:
    """Store ``upload`` and queue its import; return (job, created).

    ``token`` is the upload form's one-time token: a job of ``actor`` with that token already
    exists when the same form was posted twice, and is returned instead of a second import.
    """
    token = token or secrets.token_urlsafe(24)
    existing = ImportJob.objects.filter(uploaded_by=actor, token=token).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                uploaded_by=actor,
                token=token,
                file_name=upload.name[:255],
                size=upload.size,
                dry_run=dry_run,
            )
            lines, last = 0, b""
            # One piece in memory at a time (the upload itself sits in a temporary file).
            for seq, data in enumerate(upload.chunks(UPLOAD_CHUNK_BYTES)):
                ImportUploadChunk.objects.create(job=job, seq=seq, data=data)
                lines += data.count(b"\n")
                last = data[-1:]
            if last and last != b"\n":
                lines += 1  # the last line has no newline
            job.rows_total = max(0, lines - 1)
            job.save(update_fields=["rows_total"])
            enqueue_on_commit(import_job_task, job.pk)
    except IntegrityError:
        # The same form posted twice at once: the unique (uploaded_by, token) made this one
        # wait for the other request's commit; that request's job is the one.
        return ImportJob.objects.get(uploaded_by=actor, token=token), False
    return job, True


class _StoredFile(io.RawIOBase):
    """The uploaded file, read back piece by piece from ImportUploadChunk (one in memory)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.pieces = ImportUploadChunk.objects.filter(job_id=job_id).count()
        self._rewind()

    def _rewind(self):
        self.seq, self.data, self.offset, self.position = 0, b"", 0, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        # The importer only rewinds (after sniffing the encoding from the first 64 KiB).
        if whence == io.SEEK_SET and offset == 0:
            self._rewind()
            return 0
        if whence == io.SEEK_CUR and offset == 0:
            return self.position
        raise io.UnsupportedOperation("seek")

    def readinto(self, buffer) -> int:
        if self.offset >= len(self.data):
            if self.seq >= self.pieces:
                return 0
            data = (
                ImportUploadChunk.objects.filter(job_id=self.job_id, seq=self.seq)
                .values_list("data", flat=True)
                .first()
            )
            if data is None:
                # Deleted under the import (the job was declared stale): never import a
                # truncated file as if it were whole.
                raise ImportFormatError(_("Berkas unggahan tidak lengkap lagi: unggah lagi."))
            self.data, self.offset = bytes(data), 0
            self.seq += 1
        size = min(len(buffer), len(self.data) - self.offset)
        buffer[:size] = self.data[self.offset : self.offset + size]
        self.offset += size
        self.position += size
        return size


class _Heartbeat:
    """Writes the rows read so far and a heartbeat into the job row every few seconds, from a
    thread with its own database connection (autocommit): the import's transaction is not
    touched, and the progress is visible while that transaction is still open.

    PostgreSQL only: SQLite (the single-process fallback) allows one writer at a time, and the
    import's transaction is that writer.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.rows = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"import-{job_id}", daemon=True)

    def progress(self, rows: int) -> None:
        self.rows = rows  # read by the thread; an int assignment is atomic

    def start(self):
        if connection.vendor == "postgresql":
            self.thread.start()

    def stop(self):
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()

    def _run(self):
        interval = settings.IMPORT_HEARTBEAT_MS / 1000
        try:
            while not self.stopped.wait(interval):
                try:
                    ImportJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                        rows_done=self.rows, heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.warning("import job %s: heartbeat not written", self.job_id)
        finally:
            connections.close_all()  # this thread's own connection


class _RejectsReport:
    """The rejects CSV (row number, reason, original cells), compressed as it is written."""

    def __init__(self):
        self.compressor = zlib.compressobj()
        self.parts: list[bytes] = []
        self.text = io.StringIO()
        self.writer = SafeWriter(self.text, dialect="staff")

    def header(self, header: list[str]) -> None:
        self.text.write(BOM)
        self.writer.writerow([_("baris"), _("alasan"), *header])

    def add(self, reject) -> None:
        row_no, reason, cells = reject
        self.writer.writerow([row_no, reason, *cells])
        if self.text.tell() > 65536:
            self._flush()

    def _flush(self):
        self.parts.append(self.compressor.compress(self.text.getvalue().encode("utf-8")))
        self.text.seek(0)
        self.text.truncate()

    def finish(self) -> bytes:
        self._flush()
        self.parts.append(self.compressor.flush())
        return b"".join(self.parts)


def import_job_run(*, job_id: int) -> str:
    """Import the stored file of a waiting job; record the report or the failure; return the
    job's final status. A job that is not waiting (run already) is left alone."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.WAITING).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    heartbeat = _Heartbeat(job_id)
    report = _RejectsReport()
    heartbeat.start()
    try:
        with transaction.atomic():
            # The import is a savepoint in this transaction: its rows, the report below and
            # the removal of the stored file commit together, or not at all.
            result = import_receipts(
                io.BufferedReader(_StoredFile(job_id), UPLOAD_CHUNK_BYTES),
                actor=job.uploaded_by,
                dry_run=job.dry_run,
                on_reject=report.add,
                on_header=report.header,
                progress=heartbeat.progress,
            )
            ImportJob.objects.filter(pk=job_id).update(
                status=JobStatus.DONE,
                rows_done=result.rows,
                counts=result.as_dict(),
                rejects=report.finish() if result.rejected else b"",
                finished_at=timezone.now(),
                error="",
            )
            ImportUploadChunk.objects.filter(job_id=job_id).delete()
    except ImportFormatError as error:
        _finish_failed(job_id, error.message)
        return JobStatus.FAILED
    except DatabaseError:
        logger.exception("import job %s failed", job_id)
        _finish_failed(job_id, _failed_message())
        return JobStatus.FAILED
    except BaseException:
        logger.exception("import job %s failed", job_id)
        _finish_failed(job_id, _failed_message())
        raise
    finally:
        heartbeat.stop()
    return JobStatus.DONE


def _finish_failed(job_id: int, message: str) -> None:
    job_finish_failed(
        ImportJob.objects.filter(pk=job_id),
        ImportUploadChunk.objects.filter(job_id=job_id),
        done=JobStatus.DONE,
        failed=JobStatus.FAILED,
        message=message,
    )


def import_jobs_fail_stale(*, now: datetime.datetime | None = None) -> int:
    """Mark running jobs whose heartbeat stopped (their worker died) as failed; return how
    many. Their import was rolled back with the worker's connection."""
    if connection.vendor != "postgresql":
        return 0  # no heartbeat on SQLite (see _Heartbeat)
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    with transaction.atomic():
        stale = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        if not stale:
            return 0
        # Conditional on the status still being "running": a job finishing right now wins.
        count = ImportJob.objects.filter(pk__in=stale, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, error=_stale_message(), finished_at=now
        )
        ImportUploadChunk.objects.filter(job_id__in=stale).delete()
    return count


def import_job_rejects(job: ImportJob) -> bytes:
    """The job's rejects CSV (UTF-8 with a BOM), or b"" when nothing was rejected."""
    return zlib.decompress(bytes(job.rejects)) if job.rejects else b""


def import_jobs_ahead(job: ImportJob) -> int:
    """How many jobs not yet finished were uploaded before this waiting one."""
    return ImportJob.objects.filter(
        status__in=(JobStatus.WAITING, JobStatus.RUNNING), pk__lt=job.pk
    ).count()
