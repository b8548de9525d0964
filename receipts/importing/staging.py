"""The TEMP staging table every row goes to first, and the COPY text that fills it."""

# The SQL below interpolates only the package's own table-name constants; every value from the
# file travels as a query parameter or through COPY.
# ruff: noqa: S608

import contextlib
import datetime
import gc
import io
import operator
import time
from collections.abc import Iterator

from django.db import connection

from receipts.importing.reading import Reject
from receipts.importing.validation import CleanRow, RowError, RowValidator

STAGING = "receipts_import_staging"
LATEST = "receipts_import_latest"
NEW = "receipts_import_new"
CHUNK = "receipts_import_chunk"
STAGING_COLUMNS = (
    "row_no",
    "raw",
    "reason",
    "nik",
    "full_name",
    "birth_date",
    "sex",
    "kelurahan_id",
    "kecamatan_id",
    "number",
    "recorded_at",
    "recorded_place",
    "phone",
    "email",
    "address",
)


# The original cells of a row, kept for the rejects report, joined by the ASCII unit separator
# (cheaper than re-quoting them as CSV, and no real export contains that character).
_UNIT = "\x1f"


# COPY's text format, written by hand: about 3 µs a row where csv.writer took 15 (the worker's
# biggest single cost). NULL is written as the ASCII record separator instead of ``\N``, so that
# a row needs escaping only when a cell holds a backslash, tab, newline, carriage return or that
# separator, which the common case tells with a few scans of the joined line.
_COPY_NULL = "\x1e"
_COPY_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", _COPY_NULL: "\\" + _COPY_NULL}
)


def _copy_line(row: tuple) -> str:
    line = "\t".join([_COPY_NULL if value is None else str(value) for value in row])
    if (
        line.count("\t") != len(row) - 1
        or line.count(_COPY_NULL) != row.count(None)
        or "\\" in line
        or "\n" in line
        or "\r" in line
    ):
        line = "\t".join(
            [_COPY_NULL if value is None else str(value).translate(_COPY_ESCAPES) for value in row]
        )
    return line + "\n"


def _drop_temp_tables(cursor):
    # Schema-qualified, so that only this session's temp tables can ever be dropped.
    schema = "pg_temp" if connection.vendor == "postgresql" else "temp"
    for table in (LATEST, NEW, CHUNK, STAGING):
        cursor.execute(f"DROP TABLE IF EXISTS {schema}.{table}")


def _raw_text(cells: list[str]) -> str:
    return _UNIT.join(cells).replace("\x00", "")


def _raw_cells(raw: str) -> list[str]:
    return raw.split(_UNIT)


def _set_local(cursor, name: str, value: str) -> str:
    """Set a PostgreSQL setting for the rest of the transaction; return the value it had (to
    give the transaction its own back, where ``SET LOCAL … TO DEFAULT`` would not)."""
    cursor.execute("SELECT current_setting(%s)", [name])
    previous = cursor.fetchone()[0]
    cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    return previous


class _Stage:
    """The TEMP staging table of one import, with a loader for each database."""

    def __init__(self, cursor, tz):
        self.cursor = cursor
        self.tz = tz
        self.postgres = connection.vendor == "postgresql"
        self.session_time_zone = None

    def create(self):
        timestamp = "timestamptz" if self.postgres else "datetime"
        suffix = " ON COMMIT DROP" if self.postgres else ""
        # The collation of Resident.nik and Receipt.number, so that they compare with these.
        code = ' COLLATE "C"' if self.postgres else ""
        _drop_temp_tables(self.cursor)
        self.cursor.execute(
            f"CREATE TEMP TABLE {STAGING} ("
            "row_no integer NOT NULL, raw text NOT NULL, reason text, "
            f"nik varchar(16){code}, full_name varchar(150), birth_date date, sex varchar(1), "
            f"kelurahan_id bigint, kecamatan_id bigint, number varchar(24){code}, "
            f"recorded_at {timestamp}, recorded_place varchar(150), phone varchar(30), "
            f"email varchar(254), address varchar(255)){suffix}"
        )
        if self.postgres:
            # The recording times travel as local time: PostgreSQL converts them in C, which
            # is cheaper than an aware datetime and its isoformat() per row in Python.
            self.session_time_zone = _set_local(self.cursor, "TimeZone", str(self.tz))

    def loaded(self):
        """After the last chunk: the session's time zone again, for the rest of the work."""
        if self.postgres:
            _set_local(self.cursor, "TimeZone", self.session_time_zone)

    def render(self, rows: list):
        """The chunk as ``load`` takes it: COPY text (made in the worker), or the rows."""
        return "".join(rows) if self.postgres else rows

    def load(self, payload, table: str = STAGING):
        if self.postgres:
            self.cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(STAGING_COLUMNS)}) FROM STDIN "
                f"WITH (FORMAT text, NULL E'\\x{ord(_COPY_NULL):02x}')",
                io.StringIO(payload),
            )
        else:
            placeholders = ", ".join(["%s"] * len(STAGING_COLUMNS))
            self.cursor.executemany(
                f"INSERT INTO {STAGING} ({', '.join(STAGING_COLUMNS)}) VALUES ({placeholders})",
                payload,
            )

    def row(self, row_no: int, cells: list[str], reason: str | None, clean: CleanRow | None):
        """The row as ``render`` takes it: a COPY line on PostgreSQL, a tuple on SQLite."""
        raw = _raw_text(cells)
        if not self.postgres:
            return self._values(row_no, raw, reason, clean)
        if clean is not None:
            # The common case in one f-string; the few scans tell whether it needs escaping.
            line = (
                f"{row_no}\t{raw}\t{_COPY_NULL}\t{clean.nik}\t{clean.full_name}\t"
                f"{clean.birth_date.isoformat()}\t{clean.sex}\t{clean.kelurahan_id}\t"
                f"{clean.kecamatan_id}\t{clean.number}\t{clean.recorded_local}\t"
                f"{clean.recorded_place}\t{clean.phone}\t{clean.email}\t{clean.address}\n"
            )
            if (
                line.count("\t") == 14
                and line.count("\n") == 1
                and line.count(_COPY_NULL) == 1
                and "\\" not in line
                and "\r" not in line
            ):
                return line
        return _copy_line(self._values(row_no, raw, reason, clean))

    def _values(self, row_no: int, raw: str, reason: str | None, clean: CleanRow | None):
        if clean is None:
            return (row_no, raw, reason) + (None,) * 12
        if self.postgres:
            recorded_at = clean.recorded_local
        else:
            recorded_at = connection.ops.adapt_datetimefield_value(
                datetime.datetime.fromisoformat(clean.recorded_local).replace(tzinfo=self.tz)
            )
        return (
            row_no,
            raw,
            None,
            clean.nik,
            clean.full_name,
            clean.birth_date.isoformat(),
            clean.sex,
            clean.kelurahan_id,
            clean.kecamatan_id,
            clean.number,
            recorded_at,
            clean.recorded_place,
            clean.phone,
            clean.email,
            clean.address,
        )


@contextlib.contextmanager
def _phase(timings: dict[str, float], name: str):
    """Add the seconds spent in the block to ``timings[name]`` (for ``-v 2`` and the benchmark)."""
    started = time.monotonic()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.monotonic() - started


def _analyze(cursor, table: str):
    if connection.vendor == "postgresql":
        # Temp tables are never auto-analysed: without statistics the planner takes them for
        # tiny and picks nested loops over a million rows.
        cursor.execute(f"ANALYZE {table}")


def _stream_rejects(cursor_factory) -> Iterator[Reject]:
    with cursor_factory() as cursor:
        cursor.execute(
            f"SELECT row_no, reason, raw FROM {STAGING} WHERE reason IS NOT NULL ORDER BY row_no"
        )
        while True:
            batch = cursor.fetchmany(2000)
            if not batch:
                break
            for row_no, reason, raw in batch:
                yield row_no, reason, _raw_cells(raw)


class _ChunkStager:
    """Validates a chunk of rows and renders it for the staging table (here or in a worker).

    Needs no database connection: a worker process only runs this.
    """

    def __init__(self, positions: dict[str, int], validator: RowValidator, stage: _Stage):
        self.names = tuple(positions)
        # The known columns of a row in one C call (for a row with at least ``width`` cells).
        self.pick = operator.itemgetter(*positions.values()) if len(positions) > 1 else None
        self.width = max(positions.values()) + 1
        self.positions = list(positions.items())
        self.validator = validator
        self.stage = stage

    def named(self, cells: list[str]) -> dict[str, str]:
        if self.pick is not None and len(cells) >= self.width:
            return dict(zip(self.names, map(str.strip, self.pick(cells)), strict=True))
        width = len(cells)
        return {
            name: cells[index].strip() if index < width else "" for name, index in self.positions
        }

    def __call__(self, chunk: list[tuple[int, list[str]]]) -> tuple[int, object]:
        clean, row, named_cells = self.validator.clean, self.stage.row, self.named
        staged = []
        append = staged.append
        rejected = False
        for row_no, cells in chunk:
            named = named_cells(cells)
            try:
                append(row(row_no, cells, None, clean(named)))
            except RowError as error:
                append(row(row_no, cells, str(error), None))
                rejected = True
        if rejected and not gc.isenabled():
            # A rejection leaves reference cycles (Django's ValidationError lists itself in
            # error_list, and its traceback holds the frames): with the cyclic collector off
            # for the import, collect the young ones here, or every chunk would stay in memory.
            gc.collect(0)
        return len(staged), self.stage.render(staged)
