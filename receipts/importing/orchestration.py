"""``import_receipts``: reading, validation, staging, decisions and loading in one transaction."""

# The SQL below interpolates only the package's own table-name constants; every value from the
# file travels as a query parameter or through COPY.
# ruff: noqa: S608

import contextlib
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from receipts import public_version
from receipts.importing.bulk import _BulkLoad
from receipts.importing.decisions import _decide
from receipts.importing.loading import _apply
from receipts.importing.reading import Reject, map_header, open_text, read_rows
from receipts.importing.staging import (
    STAGING,
    _ChunkStager,
    _drop_temp_tables,
    _phase,
    _Stage,
    _stream_rejects,
)
from receipts.importing.validation import KelurahanIndex, RowValidator
from receipts.importing.workers import _chunks, _loader, _staged_chunks

# Rows per COPY (and per task of a validation worker): small enough that a worker's result and
# the COPY buffer stay a few MB, large enough that the per-chunk overhead is negligible.
CHUNK_ROWS = 5_000


@dataclass
class ImportResult:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    residents_inserted: int = 0
    residents_updated: int = 0
    dry_run: bool = False
    headers: list[str] = field(default_factory=list)
    # Seconds spent per phase (for ``-v 2`` and the benchmark).
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "residents_inserted": self.residents_inserted,
            "residents_updated": self.residents_updated,
            "dry_run": self.dry_run,
        }


def _tune_transaction(cursor):
    """Settings for this import's transaction only (``SET LOCAL`` ends with it).

    ``synchronous_commit = off``: the COMMIT does not wait for its WAL to reach the disk. A
    crash of the database server in the moment after the commit can lose this import (as if it
    had not run; the file can simply be imported again) but never leaves it half-applied or the
    database inconsistent. More memory for the sorts and hash joins over a million rows (one
    session, one import at a time): they stay in memory instead of spilling to disk.
    """
    cursor.execute("SET LOCAL synchronous_commit TO OFF")
    cursor.execute("SET LOCAL work_mem TO '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
    # Each statement here runs once over the whole file; compiling it costs more than it saves.
    cursor.execute("SET LOCAL jit TO OFF")


def import_receipts(
    binary,
    *,
    actor=None,
    dry_run: bool = False,
    on_reject: Callable[[Reject], None] | None = None,
    on_header: Callable[[list[str]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int | None = None,
    workers: int = 1,
    bulk_load: bool = True,
) -> ImportResult:
    """Import the CSV in ``binary`` (a binary file object) in one transaction; return the counts.

    ``on_header`` receives the file's header cells once they are known to be usable;
    ``on_reject`` receives every rejected row, in row order, before the transaction commits;
    ``progress`` receives the number of rows read so far, after every chunk.
    ``workers`` > 1 validates in that many forked processes (same results, same order); only
    for a process that may fork (the command, not a web worker).
    ``bulk_load``: a first import into empty tables builds their indexes and foreign keys
    after the rows (_BulkLoad); False takes the ordinary path anyway (to compare the two).
    Raise ImportFormatError (and change nothing) when the file as a whole cannot be read.
    """
    text = open_text(binary)
    try:
        header, rows = read_rows(text)
        positions = map_header(header)
        if on_header:
            on_header(header)
        result = ImportResult(dry_run=dry_run, headers=header)
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # One import at a time: two imports of overlapping files would otherwise
                    # race between the SQL checks and the inserts.
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [STAGING])
                    _tune_transaction(cursor)
                # The kelurahan are read only under the lock: inside a caller's transaction
                # (the admin upload's job) a read before it would hold ACCESS SHARE on
                # receipts_kelurahan while waiting for the lock, and the import holding the
                # lock, dropping its foreign keys (_BulkLoad), would wait for that: deadlock.
                validator = RowValidator(KelurahanIndex())
                stage = _Stage(cursor, validator.tz)
                stage.create()
                now = timezone.now()
                bulk = None
                if bulk_load:
                    with _phase(result.timings, "sql_bulk_drop"):
                        bulk = _BulkLoad.begin(
                            cursor, stage, now=now, actor_id=getattr(actor, "pk", None)
                        )
                stager = _ChunkStager(positions, validator, stage)
                # The loop allocates millions of short-lived objects and no reference cycles:
                # without the cyclic collector it runs faster; freezing what exists now also
                # keeps the forked workers from copying pages the collector would touch.
                gc_enabled = gc.isenabled()
                gc.disable()
                gc.freeze()
                try:
                    with (
                        _phase(result.timings, "read_validate_copy"),
                        contextlib.closing(
                            _staged_chunks(_chunks(rows, chunk_rows or CHUNK_ROWS), stager, workers)
                        ) as staged_chunks,
                        _loader(
                            bulk.load if bulk else stage.load,
                            background=workers > 1 and stage.postgres,
                        ) as load,
                    ):
                        for count, payload in staged_chunks:
                            load(payload)
                            result.rows += count
                            if progress:
                                progress(result.rows)
                finally:
                    gc.unfreeze()
                    if gc_enabled:
                        gc.enable()
                stage.loaded()
                _decide(cursor, result.timings, bulk)
                counts = _apply(
                    cursor,
                    now=now,
                    actor_id=getattr(actor, "pk", None),
                    timings=result.timings,
                    bulk=bulk,
                )
                cursor.execute(f"SELECT COUNT(*) FROM {STAGING} WHERE reason IS NOT NULL")
                result.rejected = cursor.fetchone()[0]
            started = time.monotonic()
            if on_reject:
                for reject in _stream_rejects(connection.chunked_cursor):
                    on_reject(reject)
            with connection.cursor() as cursor:
                _drop_temp_tables(cursor)
            result.timings["rejects"] = time.monotonic() - started
            if dry_run:
                transaction.set_rollback(True)
            else:
                # Older receipts may have joined the print queue ahead of waiting ones.
                public_version.bump()
            started = time.monotonic()
        result.timings["commit"] = time.monotonic() - started
    finally:
        text.detach()
    result.inserted = counts["inserted"]
    result.updated = counts["updated"]
    result.residents_inserted = counts["residents_inserted"]
    result.residents_updated = counts["residents_updated"]
    result.unchanged = result.rows - result.rejected - result.inserted - result.updated
    return result
