"""Bulk import of residents and receipts from the CSV the national population system exports.

The format is documented in ``docs/import-format.md``. How it works:

1. The file is streamed (a csv reader over a text wrapper): memory does not grow with its size.
   Every row is checked in Python on its own (required fields, NIK, dates, kelurahan, receipt
   number) and written, in chunks, to a TEMP staging table, with the rejection reason if any.
   PostgreSQL gets the chunks through COPY; SQLite through ``executemany``. With ``workers``
   the chunks are validated by forked processes while this one reads and COPYs (same order).
2. Everything that needs the existing data or the whole file (receipt number of another
   resident, a second open receipt, duplicates within the file) is decided by set-based SQL
   on the staging table — a few statements whatever the number of rows, never a query per row.
3. The valid rows are applied with set-based SQL: new residents, contact data of existing
   residents, new receipts (status ``recorded``) and their first status event. A first import
   into empty tables (PostgreSQL) inserts each chunk's rows as it comes and builds the indexes
   and foreign keys once at the end instead (_BulkLoad).

All of it runs in ONE transaction: a crash or a killed process leaves the database as it was
before the file. The import never writes ``Receipt.status`` of an existing receipt and never
changes an existing receipt at all, so a receipt already in print or handed over stays as it is.
"""

# The SQL below interpolates only the module's own table-name constants; every value from the
# file travels as a query parameter or through COPY.
# ruff: noqa: S608

import codecs
import contextlib
import csv
import datetime
import functools
import gc
import io
import itertools
import multiprocessing
import operator
import os
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from receipts import public_version
from receipts.models import Kecamatan, Kelurahan, Receipt, ReceiptEvent, Resident, Status
from receipts.numbers import (
    MAX_RAW_RECEIPT_INPUT,
    MalformedReceiptNumber,
    normalize_nik,
    normalize_receipt_number,
    validate_nik,
    validate_nik_matches,
)

# Rows per COPY (and per task of a validation worker): small enough that a worker's result and
# the COPY buffer stay a few MB, large enough that the per-chunk overhead is negligible.
CHUNK_ROWS = 5_000
EVENT_NOTE = "impor"

# Canonical column -> accepted header spellings (compared without case, spaces, "_", "-", ".").
COLUMNS: dict[str, tuple[str, ...]] = {
    "nik": ("nik",),
    "nama": ("nama", "namalengkap"),
    "tanggal_lahir": ("tanggallahir", "tgllahir"),
    "jenis_kelamin": ("jeniskelamin", "jk", "kelamin"),
    "kelurahan": ("kelurahan", "kodekelurahan", "desakelurahan"),
    "nomor_resi": ("nomorresi", "noresi", "resi"),
    "waktu_rekam": ("wakturekam", "tanggalrekam", "tglrekam"),
    "tempat_rekam": ("tempatrekam",),
    "telepon": ("telepon", "telp", "nohp", "hp", "nomortelepon"),
    "email": ("email",),
    "alamat": ("alamat",),
}
REQUIRED = (
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "kelurahan",
    "nomor_resi",
    "waktu_rekam",
    "tempat_rekam",
)
MAX_LENGTHS = {"nama": 150, "tempat_rekam": 150, "telepon": 30, "email": 254, "alamat": 255}

SEX_CODES = {
    "L": "L",
    "LK": "L",
    "LAKI-LAKI": "L",
    "LAKI LAKI": "L",
    "LAKILAKI": "L",
    "PRIA": "L",
    "P": "P",
    "PR": "P",
    "PEREMPUAN": "P",
    "WANITA": "P",
}

BAD_NIK = gettext_lazy(
    "NIK tidak valid: harus 16 angka dengan kode wilayah dan tanggal lahir yang benar."
)

# Rejection reasons decided in SQL on the staging table (they need the data or the whole file).
REASON_DUPLICATE_IN_FILE = gettext_lazy(
    "Nomor resi muncul lebih dari sekali dalam berkas (baris pertama yang dipakai)."
)
REASON_OTHER_RESIDENT = gettext_lazy(
    "Nomor resi sudah terdaftar atas nama penduduk lain (NIK lain)."
)
REASON_OPEN_RECEIPT = gettext_lazy(
    "Penduduk ini sudah memiliki resi lain yang masih berjalan (belum diambil/dibatalkan)."
)
REASON_SECOND_NEW_IN_FILE = gettext_lazy(
    "Berkas memuat lebih dari satu resi baru untuk NIK yang sama (hanya yang pertama dipakai)."
)

_KEY_RE = re.compile(r"[\s_\-.]+")
_DATE_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DATE_DMY = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_NIK_DIGITS = re.compile(r"^[0-9]{16}$")


@functools.lru_cache(maxsize=4096)
def _nik_place_valid(place: str) -> bool:
    """validate_nik for the province+regency digits alone (memoised: a file has few of them).

    Validating every NIK through python-stdnum costs a registry lookup per row; the birth-date
    digits are checked against the row's birth date instead, and only a NIK that fails that
    check goes through the full validate_nik to choose the right message.
    """
    try:
        validate_nik(place + "00" + "010170" + "0001")
    except ValidationError:
        return False
    return True


def nik_is_valid(nik: str) -> bool:
    try:
        validate_nik(nik)
    except ValidationError:
        return False
    return True


class ImportFormatError(Exception):
    """The file as a whole cannot be imported (unreadable, empty, required columns missing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RowError(Exception):
    """One row is rejected; ``message`` is the Indonesian reason."""


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


# A rejected row as reported: (row number, Indonesian reason, original cells).
Reject = tuple[int, str, list[str]]


def header_key(name: str) -> str:
    return _KEY_RE.sub("", (name or "").strip().lstrip("\ufeff").casefold())


def _parse_date(value: str) -> datetime.date:
    if len(value) == 10:  # the usual zero-padded forms, without a regular expression
        sep = value[4]
        if sep in "-/" and value[7] == sep:
            return datetime.date(int(value[:4]), int(value[5:7]), int(value[8:]))
        sep = value[2]
        if sep in "-/" and value[5] == sep:
            return datetime.date(int(value[6:]), int(value[3:5]), int(value[:2]))
    match = _DATE_YMD.match(value)
    if match:
        year, month, day = match.groups()
    else:
        match = _DATE_DMY.match(value)
        if not match:
            raise ValueError(value)
        day, month, year = match.groups()
    return datetime.date(int(year), int(month), int(day))


# Parsed dates and times by their spelling. A file of a million rows has some tens of thousands
# of birth and recording dates and at most 86,400 times of day, so most rows are a dictionary
# hit; each memo stops growing at its bound (memory does not grow with the file).
_DATE_MEMO: dict[str, datetime.date] = {}
_TIME_MEMO: dict[str, str] = {}
_MEMO_BOUND = 200_000


def parse_date(raw: str) -> datetime.date:
    """``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY`` (also ``YYYY/MM/DD``)."""
    found = _DATE_MEMO.get(raw)
    if found is None:
        found = _parse_date(raw.strip())
        if len(_DATE_MEMO) < _MEMO_BOUND:
            _DATE_MEMO[raw] = found
    return found


def _parse_time(value: str) -> str:
    found = _TIME_MEMO.get(value)
    if found is None:
        match = _TIME.match(value)
        if not match:
            raise ValueError(value)
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        found = datetime.time(hour, minute, second).isoformat()  # (checks the ranges)
        if len(_TIME_MEMO) < _MEMO_BOUND:
            _TIME_MEMO[value] = found
    return found


def parse_local_datetime(raw: str) -> str:
    """A date as in parse_date, optionally followed by ``HH:MM[:SS]`` (space or ``T``), as
    ``YYYY-MM-DD HH:MM:SS`` local time (the text COPY reads in the import's time zone)."""
    value = raw.strip()
    if len(value) == 16 and value[10] in " T" and value[13] == ":":  # the usual "date HH:MM"
        return f"{parse_date(value[:10]).isoformat()} {_parse_time(value[11:])}"
    date_part, _sep, time_part = value.replace("T", " ").partition(" ")
    time_part = time_part.strip()
    return (
        f"{parse_date(date_part).isoformat()} {_parse_time(time_part) if time_part else '00:00:00'}"
    )


class KelurahanIndex:
    """The (few dozen) kelurahan by official code and by name, loaded once per import."""

    def __init__(self):
        self.by_key: dict[str, tuple[int, int]] = {}
        self.memo: dict[str, tuple[int, int] | None] = {}
        ambiguous = set()
        for pk, code, name, kecamatan_id in Kelurahan.objects.values_list(
            "pk", "code", "name", "kecamatan_id"
        ):
            value = (pk, kecamatan_id)
            self.by_key[code] = value
            self.by_key[code.replace(".", "")] = value
            key = " ".join(name.casefold().split())
            if key in self.by_key and self.by_key[key] != value:
                ambiguous.add(key)
            self.by_key[key] = value
        for key in ambiguous:
            # The same name in two kecamatan: only the official code can tell them apart.
            del self.by_key[key]

    def find(self, raw: str) -> tuple[int, int] | None:
        found = self.memo.get(raw, False)
        if found is False:
            value = " ".join(raw.casefold().split())
            found = self.by_key.get(value) or self.by_key.get(value.replace(" ", ""))
            if len(self.memo) < 10_000:  # a file spells its kelurahan a few ways, not millions
                self.memo[raw] = found
        return found


@dataclass(slots=True)
class CleanRow:
    nik: str
    full_name: str
    birth_date: datetime.date
    sex: str
    kelurahan_id: int
    kecamatan_id: int
    number: str
    recorded_local: str  # "YYYY-MM-DD HH:MM:SS", local time (parse_local_datetime)
    recorded_place: str
    phone: str
    email: str
    address: str


class RowValidator:
    """Validates one row on its own (no database access): the single validation code path."""

    def __init__(self, kelurahan: KelurahanIndex, tz=None):
        self.kelurahan = kelurahan
        self.tz = tz or timezone.get_default_timezone()

    def clean(self, cells: dict[str, str]) -> CleanRow:
        if not all(map(cells.get, REQUIRED)):
            missing = [name for name in REQUIRED if not cells.get(name)]
            raise RowError(_("Kolom wajib kosong: %(columns)s.") % {"columns": ", ".join(missing)})
        for name, limit in MAX_LENGTHS.items():
            if len(cells.get(name, "")) > limit:
                raise RowError(
                    _("Isian %(column)s terlalu panjang (paling banyak %(limit)s karakter).")
                    % {"column": name, "limit": limit}
                )
        nik = cells["nik"]
        if not _NIK_DIGITS.match(nik):
            nik = normalize_nik(nik)
        if not (_NIK_DIGITS.match(nik) and _nik_place_valid(nik[:4])):
            raise RowError(BAD_NIK)
        try:
            birth_date = parse_date(cells["tanggal_lahir"])
        except ValueError:
            raise RowError(
                _("Tanggal lahir tidak dapat dibaca: %(value)s (pakai TTTT-BB-HH atau HH-BB-TTTT).")
                % {"value": cells["tanggal_lahir"]}
            ) from None
        sex = SEX_CODES.get(cells["jenis_kelamin"]) or SEX_CODES.get(
            " ".join(cells["jenis_kelamin"].upper().split())
        )
        if sex is None:
            raise RowError(
                _("Jenis kelamin tidak dikenal: %(value)s (pakai L atau P).")
                % {"value": cells["jenis_kelamin"]}
            )
        try:
            validate_nik_matches(nik, birth_date, sex)
        except ValidationError as error:
            if not nik_is_valid(nik):  # e.g. a day or month that no date has
                raise RowError(BAD_NIK) from None
            raise RowError(error.messages[0]) from None
        place = self.kelurahan.find(cells["kelurahan"])
        if place is None:
            raise RowError(
                _("Kelurahan tidak dikenal: %(value)s (pakai kode resmi atau nama kelurahan).")
                % {"value": cells["kelurahan"]}
            )
        raw_number = cells["nomor_resi"]
        number = raw_number.replace("-", "").upper()
        # The common spelling (letters, digits, dashes) gives what normalize_receipt_number
        # gives, without its two regular expressions; anything else goes through it.
        if len(raw_number) > MAX_RAW_RECEIPT_INPUT or not (
            6 <= len(number) <= 24 and number.isascii() and number.isalnum()
        ):
            try:
                number = normalize_receipt_number(raw_number)
            except MalformedReceiptNumber:
                raise RowError(
                    _("Nomor resi tidak valid: %(value)s (6–24 huruf/angka).")
                    % {"value": raw_number}
                ) from None
        try:
            recorded_local = parse_local_datetime(cells["waktu_rekam"])
        except ValueError:
            raise RowError(
                _("Waktu rekam tidak dapat dibaca: %(value)s (pakai TTTT-BB-HH [JJ:MM]).")
                % {"value": cells["waktu_rekam"]}
            ) from None
        email = cells.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise RowError(
                    _("Alamat e-mail tidak valid: %(value)s.") % {"value": email}
                ) from None
        return CleanRow(
            nik=nik,
            full_name=" ".join(cells["nama"].split()),
            birth_date=birth_date,
            sex=sex,
            kelurahan_id=place[0],
            kecamatan_id=place[1],
            number=number,
            recorded_local=recorded_local,
            recorded_place=" ".join(cells["tempat_rekam"].split()),
            phone=cells.get("telepon", ""),
            email=email.lower(),
            address=" ".join(cells.get("alamat", "").split()),
        )


def open_text(binary) -> io.TextIOWrapper:
    """Wrap a binary file: UTF-8 (BOM or not); Windows-1252 if the start is not UTF-8.

    Spreadsheet software on Windows often saves CSV in the ANSI code page. The guess is made
    on the first 64 KiB; a file that turns out not to be UTF-8 further on is refused whole.
    """
    start = binary.read(65536)
    if hasattr(binary, "seek"):
        binary.seek(0)
    if b"\x00" in start:  # a spreadsheet (.xlsx/.xls), UTF-16 text or another binary file
        raise ImportFormatError(
            _("Berkas bukan berkas teks CSV (mis. berkas Excel .xlsx): simpan sebagai CSV UTF-8.")
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    return io.TextIOWrapper(binary, encoding=encoding, newline="")


def read_rows(text) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Return the header cells and an iterator of (row number, cells); header is row 1.

    The separator (``;`` or ``,``) is sniffed from the header line.
    """
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise ImportFormatError(_("Berkas tidak dapat dibaca sebagai teks UTF-8.")) from None
    header_line = header_line.lstrip("\ufeff")
    if not header_line.strip():
        raise ImportFormatError(_("Berkas kosong: baris judul kolom tidak ditemukan."))
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(itertools.chain([header_line], text), delimiter=delimiter)
    header = next(reader)

    def rows():
        row_no = 1
        try:
            for cells in reader:
                # (the first cell is looked at alone first: the common case costs no generator)
                if not (cells and cells[0].strip()) and not any(cell.strip() for cell in cells):
                    continue  # blank lines (and rows of empty cells) are not data
                row_no += 1
                yield row_no, cells
        except UnicodeDecodeError:
            raise ImportFormatError(
                _("Berkas tidak dapat dibaca sebagai teks UTF-8 (setelah baris %(row)s).")
                % {"row": row_no}
            ) from None
        except csv.Error as error:
            raise ImportFormatError(
                _("Berkas CSV rusak setelah baris %(row)s: %(error)s.")
                % {"row": row_no, "error": error}
            ) from None

    return header, rows()


def map_header(header: list[str]) -> dict[str, int]:
    """Column name -> index; raise ImportFormatError listing the required columns missing."""
    aliases = {alias: name for name, spellings in COLUMNS.items() for alias in spellings}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = aliases.get(header_key(cell))
        if name and name not in positions:
            positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise ImportFormatError(
            _("Kolom wajib tidak ada di baris judul: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    return positions


# --- staging and set-based apply -------------------------------------------------------------

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


def _mark(cursor, reason, where: str, params=()):
    cursor.execute(
        f"UPDATE {STAGING} SET reason = %s WHERE reason IS NULL AND {where}",
        [str(reason), *params],
    )


def _analyze(cursor, table: str):
    if connection.vendor == "postgresql":
        # Temp tables are never auto-analysed: without statistics the planner takes them for
        # tiny and picks nested loops over a million rows.
        cursor.execute(f"ANALYZE {table}")


def _forget_rejected(cursor):
    cursor.execute(
        f"DELETE FROM {NEW} WHERE row_no IN (SELECT row_no FROM {STAGING} WHERE reason IS NOT NULL)"
    )


def _later_rows(table: str, key: str, *, valid_only: bool) -> str:
    """The condition "row_no is a later row with the same ``key``" (among the rows not rejected
    yet when ``valid_only``).

    A hash aggregate finds the few repeated keys: twice as fast as a window function, which
    sorts the million rows.
    """
    where, s_where = ("WHERE reason IS NULL", "AND s.reason IS NULL") if valid_only else ("", "")
    return (
        f"row_no IN (SELECT s.row_no FROM {table} s JOIN (SELECT {key}, MIN(row_no) AS first "
        f"FROM {table} {where} GROUP BY {key} HAVING COUNT(*) > 1) d "
        f"ON d.{key} = s.{key} AND s.row_no > d.first {s_where})"
    )


def _decide(cursor, timings: dict[str, float], bulk: "_BulkLoad | None"):
    """Reject, in SQL, the rows that conflict with the database or with earlier rows.

    Only the rejected rows of the staging table are rewritten; the rows that bring a new
    receipt are collected in a second, narrow table (``NEW``) instead of flagging every row.
    """
    with _phase(timings, "sql_analyze_staging"):
        _analyze(cursor, STAGING)
    # Same receipt number twice in the file: keep the first row.
    with _phase(timings, "sql_dup_in_file"):
        _mark(
            cursor,
            REASON_DUPLICATE_IN_FILE,
            _later_rows(STAGING, "number", valid_only=True),
        )
    if bulk:
        # Empty tables: nothing to conflict with, and every valid row brings a new receipt.
        with _phase(timings, "sql_second_new"):
            _mark(
                cursor,
                REASON_SECOND_NEW_IN_FILE,
                _later_rows(STAGING, "nik", valid_only=True),
            )
        return
    with _phase(timings, "sql_other_resident"):
        _mark(
            cursor,
            REASON_OTHER_RESIDENT,
            "EXISTS (SELECT 1 FROM receipts_receipt r JOIN receipts_resident p "
            f"ON p.id = r.resident_id WHERE r.number = {STAGING}.number "
            f"AND p.nik <> {STAGING}.nik)",
        )
    with _phase(timings, "sql_new"):
        cursor.execute(
            f"CREATE TEMP TABLE {NEW} AS SELECT row_no, nik, number FROM {STAGING} s "
            "WHERE reason IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM receipts_receipt r WHERE r.number = s.number)"
        )
        _analyze(cursor, NEW)
    # The database allows one open receipt per resident (receipt_one_open_per_resident).
    with _phase(timings, "sql_open_receipt"):
        _mark(
            cursor,
            REASON_OPEN_RECEIPT,
            f"row_no IN (SELECT n.row_no FROM {NEW} n JOIN receipts_resident p ON p.nik = n.nik "
            "JOIN receipts_receipt r ON r.resident_id = p.id WHERE r.status NOT IN (%s, %s))",
            [Status.COLLECTED.value, Status.CANCELLED.value],
        )
        _forget_rejected(cursor)
    with _phase(timings, "sql_second_new"):
        _mark(
            cursor,
            REASON_SECOND_NEW_IN_FILE,
            _later_rows(NEW, "nik", valid_only=False),
        )
        _forget_rejected(cursor)


# The tables the import writes. A first import into them, while they are empty, loads them the
# way PostgreSQL's manual advises for populating a database ("Populating a Database": load,
# then create indexes and foreign keys), see _BulkLoad.
_TARGET_MODELS = (Resident, Receipt, ReceiptEvent)
# How long a first import waits for the exclusive lock before it takes the ordinary path.
BULK_LOCK_TIMEOUT = "5s"


class _BulkLoad:
    """Builds the target tables' indexes and foreign keys once after the rows, not row by row.

    Maintaining a dozen indexes and checking four foreign keys per row was most of the cost of
    inserting a million residents, receipts and events; building each index once over the
    finished table and validating each foreign key with one join is several times faster (the
    manual's "Populating a Database"). Only while all three tables are empty (the first
    import): they are then locked ACCESS EXCLUSIVE until the commit, so no one reads a table
    without its indexes, and a receipt or resident someone else adds meanwhile waits. The
    definitions are read from the catalogue and recreated with the same names; the primary
    keys, CHECK constraints and the foreign key to auth_user (dropping it would lock the user
    table, and every staff page with it) stay in place. Each chunk's valid rows go into the
    three tables as soon as it is copied (``load``), while the next chunks are validated; the
    rows the SQL checks reject afterwards are deleted again (``complete``). All of it is DDL
    and DML inside the import's transaction: a crash or an error rolls it back too.
    """

    def __init__(self, cursor):
        self.cursor = cursor
        self.tables = [model._meta.db_table for model in _TARGET_MODELS]
        self.reference_tables = [model._meta.db_table for model in (Kelurahan, Kecamatan)]
        self.indexes: list[str] = []  # CREATE INDEX statements
        self.constraints: list[tuple[str, str, str]] = []  # (table, name, definition)

    @classmethod
    def begin(cls, cursor, stage: "_Stage", *, now, actor_id) -> "_BulkLoad | None":
        """Lock the empty tables and drop their secondary indexes and foreign keys; or None
        (nothing changed) when a table has rows or the lock is not granted in time."""
        if connection.vendor != "postgresql":
            return None
        bulk = cls(cursor)
        bulk.stage, bulk.now, bulk.actor_id = stage, now, actor_id
        if not bulk._empty():
            return None
        lock_timeout = _set_local(cursor, "lock_timeout", BULK_LOCK_TIMEOUT)
        try:
            with transaction.atomic(savepoint=True):
                cursor.execute(f"LOCK TABLE {', '.join(bulk.tables)} IN ACCESS EXCLUSIVE MODE")
        except OperationalError:
            return None  # a long reader or writer holds a table: take the ordinary path
        finally:
            _set_local(cursor, "lock_timeout", lock_timeout)
        if not bulk._empty():  # a row came in between the first look and the lock
            return None
        # PostgreSQL refuses DDL on a table with foreign-key checks still queued (by an earlier
        # statement of the transaction, or by the rows inserted here): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        bulk._drop()
        bulk._reserve_ids()
        cursor.execute(f"CREATE TEMP TABLE {CHUNK} (LIKE {STAGING}) ON COMMIT DROP")
        return bulk

    def _reserve_ids(self):
        """Ids from the row number: row 2 (the first after the header) gets each sequence's
        next value. No one else can draw from the sequences while the tables are locked; the
        block is claimed for good (setval) once the last row number is known."""
        self.sequences, self.offsets = [], []
        for table in self.tables:
            self.cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = self.cursor.fetchone()[0]
            self.cursor.execute("SELECT nextval(%s)", [sequence])
            self.sequences.append(sequence)
            self.offsets.append(self.cursor.fetchone()[0] - 2)

    def load(self, payload):
        """One chunk: its rows into the staging table (what the checks and the rejects report
        need) and, at once, its valid rows into the three tables, so that PostgreSQL inserts
        while the workers validate the next chunks. The SQL checks run once the file is in;
        the rows they reject are then deleted again (complete)."""
        cursor = self.stage.cursor.cursor  # (psycopg2's: this may run in the COPY thread)
        cursor.execute(f"TRUNCATE {CHUNK}")
        self.stage.load(payload, table=CHUNK)
        cursor.execute(
            f"INSERT INTO {STAGING} (row_no, raw, reason, nik, number) "
            f"SELECT row_no, raw, reason, nik, number FROM {CHUNK}"
        )
        residents, receipts, events = self.offsets
        cursor.execute(
            "INSERT INTO receipts_resident (id, nik, full_name, birth_date, sex, "
            "kelurahan_id, address, phone, email, created_at, updated_at) "
            "SELECT %s + row_no, nik, full_name, birth_date, sex, kelurahan_id, address, "
            f"phone, email, %s, %s FROM {CHUNK} WHERE reason IS NULL",
            [residents, self.now, self.now],
        )
        # Collected at the kecamatan of the row's kelurahan: the resident's domicile.
        cursor.execute(
            "INSERT INTO receipts_receipt (id, number, resident_id, recorded_at, "
            "recorded_place, collection_kecamatan_id, status, status_changed_at, "
            "collected_at, created_at) SELECT %s + row_no, number, %s + row_no, "
            "recorded_at, recorded_place, kecamatan_id, %s, recorded_at, NULL, %s "
            f"FROM {CHUNK} WHERE reason IS NULL",
            [receipts, residents, Status.RECORDED.value, self.now],
        )
        cursor.execute(
            f"{_INSERT_EVENTS.replace('(receipt_id', '(id, receipt_id')}"
            "SELECT %s + row_no, %s + row_no, '', %s, recorded_at, %s, %s "
            f"FROM {CHUNK} WHERE reason IS NULL",
            [events, receipts, Status.RECORDED.value, self.actor_id, EVENT_NOTE],
        )

    def _empty(self) -> bool:
        self.cursor.execute(
            "SELECT " + " AND ".join(f"NOT EXISTS (SELECT 1 FROM {t})" for t in self.tables)
        )
        return self.cursor.fetchone()[0]

    def _drop(self):
        cursor = self.cursor
        # Unique constraints and foreign keys (not a unique constraint another table's foreign
        # key relies on: PostgreSQL would refuse to drop it, and none exists today).
        cursor.execute(
            "SELECT c.conrelid::regclass::text, quote_ident(c.conname), "
            "pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = ANY(%s::regclass[]) AND ((c.contype = 'f' "
            "AND c.confrelid = ANY(%s::regclass[])) OR (c.contype = 'u' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint d WHERE d.contype = 'f' "
            "AND d.conindid = c.conindid))) ORDER BY c.contype DESC, c.conname",
            [self.tables, self.tables + self.reference_tables],
        )
        self.constraints = cursor.fetchall()  # unique ('u') before foreign keys ('f')
        for table, name, _definition in self.constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        # Every other index but the primary keys (the ids come in order: cheap to maintain).
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
            "AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
            [self.tables],
        )
        dropped = cursor.fetchall()
        for name, _definition in dropped:
            cursor.execute(f"DROP INDEX {name}")
        self.indexes = [definition for _name, definition in dropped]

    def complete(self, timings: dict[str, float]) -> dict:
        """After the SQL checks: delete the rows they rejected, claim the ids, build the
        indexes and constraints. The checks left one valid row per NIK and per receipt
        number; each made one resident, one receipt and one event."""
        cursor = self.cursor
        with _phase(timings, "sql_bulk_delete_rejected"):
            for table, offset in reversed(list(zip(self.tables, self.offsets, strict=True))):
                # (ARRAY(...) is computed once: then one primary-key probe per rejected row.)
                cursor.execute(
                    f"DELETE FROM {table} WHERE id = ANY(ARRAY("
                    f"SELECT %s + row_no FROM {STAGING} WHERE reason IS NOT NULL))",
                    [offset],
                )
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(MAX(row_no), 0) FROM {STAGING} WHERE reason IS NULL"
            )
            inserted, last_row = cursor.fetchone()
            for sequence, offset in zip(self.sequences, self.offsets, strict=True):
                cursor.execute(
                    "SELECT setval(%s, %s)", [sequence, max(offset + 2, offset + last_row)]
                )
        with _phase(timings, "sql_bulk_indexes"):
            self.finish()
        return {
            "residents_inserted": inserted,
            "residents_updated": 0,
            "updated": 0,
            "inserted": inserted,
        }

    def finish(self):
        """Build the indexes, then the unique constraints and foreign keys (one validating
        join each); a violation raises and the whole import rolls back."""
        for definition in self.indexes:
            self.cursor.execute(definition)
        for table, name, definition in self.constraints:
            self.cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def _apply(cursor, *, now, actor_id, timings: dict[str, float], bulk: _BulkLoad | None) -> dict:
    """Write the valid rows: residents, contact data, new receipts and their first event."""
    if bulk:
        return bulk.complete(timings)
    counts = {}
    # The resident's data as the file gives it last (a newer row overrides an older one).
    with _phase(timings, "sql_latest"):
        cursor.execute(
            f"CREATE TEMP TABLE {LATEST} AS SELECT row_no, nik, full_name, birth_date, sex, "
            "kelurahan_id, phone, email, address, 0 AS changed FROM (SELECT s.*, ROW_NUMBER() "
            f"OVER (PARTITION BY nik ORDER BY row_no DESC) AS n FROM {STAGING} s "
            "WHERE reason IS NULL) l WHERE l.n = 1"
        )
        cursor.execute(f"CREATE UNIQUE INDEX {LATEST}_nik ON {LATEST} (nik)")
        _analyze(cursor, LATEST)
    with _phase(timings, "sql_residents_insert"):
        cursor.execute(
            "INSERT INTO receipts_resident (nik, full_name, birth_date, sex, kelurahan_id, "
            "address, phone, email, created_at, updated_at) "
            "SELECT nik, full_name, birth_date, sex, kelurahan_id, address, phone, email, %s, %s "
            f"FROM {LATEST} WHERE NOT EXISTS "
            f"(SELECT 1 FROM receipts_resident p WHERE p.nik = {LATEST}.nik) ORDER BY row_no",
            [now, now],
        )
        counts["residents_inserted"] = cursor.rowcount
    _update_contact_data(cursor, now=now, counts=counts, timings=timings)
    with _phase(timings, "sql_receipts_events_insert"):
        counts["inserted"] = _insert_receipts_and_events(cursor, now=now, actor_id=actor_id)
    return counts


def _update_contact_data(cursor, *, now, counts: dict, timings: dict[str, float]):
    """Contact data only; an empty cell keeps what the database has."""
    with _phase(timings, "sql_residents_update"):
        cursor.execute(
            f"UPDATE {LATEST} SET changed = 1 WHERE EXISTS (SELECT 1 FROM receipts_resident p "
            f"WHERE p.nik = {LATEST}.nik AND ("
            f"({LATEST}.phone <> '' AND {LATEST}.phone <> p.phone) OR "
            f"({LATEST}.email <> '' AND {LATEST}.email <> p.email) OR "
            f"({LATEST}.address <> '' AND {LATEST}.address <> p.address)))"
        )
        cursor.execute(
            "UPDATE receipts_resident SET "
            "phone = CASE WHEN l.phone <> '' THEN l.phone ELSE receipts_resident.phone END, "
            "email = CASE WHEN l.email <> '' THEN l.email ELSE receipts_resident.email END, "
            "address = CASE WHEN l.address <> '' THEN l.address "
            "ELSE receipts_resident.address END, "
            f"updated_at = %s FROM {LATEST} l WHERE l.nik = receipts_resident.nik "
            "AND l.changed = 1",
            [now],
        )
        counts["residents_updated"] = cursor.rowcount
        cursor.execute(
            f"SELECT COUNT(*) FROM {STAGING} s JOIN {LATEST} l ON l.nik = s.nik "
            f"WHERE s.reason IS NULL AND l.changed = 1 "
            f"AND NOT EXISTS (SELECT 1 FROM {NEW} n WHERE n.row_no = s.row_no)"
        )
        counts["updated"] = cursor.fetchone()[0]


# New receipts: collected at the kecamatan of the resident's current domicile.
_SELECT_NEW_RECEIPTS = (
    "SELECT s.number, p.id, s.recorded_at, s.recorded_place, k.kecamatan_id, %s, "
    f"s.recorded_at, NULL, %s FROM {NEW} n JOIN {STAGING} s ON s.row_no = n.row_no "
    "JOIN receipts_resident p ON p.nik = s.nik "
    "JOIN receipts_kelurahan k ON k.id = p.kelurahan_id"
)
_INSERT_RECEIPTS = (
    "INSERT INTO receipts_receipt (number, resident_id, recorded_at, recorded_place, "
    "collection_kecamatan_id, status, status_changed_at, collected_at, created_at) "
)
_INSERT_EVENTS = (
    "INSERT INTO receipts_receiptevent (receipt_id, from_status, to_status, at, actor_id, note) "
)


def _insert_receipts_and_events(cursor, *, now, actor_id) -> int:
    """Insert the new receipts and their first status event; return the number of receipts.

    Receipts in the order of their resident's id (new residents were inserted in file order
    just before), events in the order of their receipt's: the deferred foreign-key check of
    each row then finds the row it points to on the page it looked at last, instead of
    reading (and locking) rows all over the table.
    """
    cursor.execute(
        _INSERT_RECEIPTS + _SELECT_NEW_RECEIPTS + " ORDER BY p.id", [Status.RECORDED.value, now]
    )
    inserted = cursor.rowcount
    cursor.execute(
        f"{_INSERT_EVENTS}SELECT r.id, '', %s, r.recorded_at, %s, %s FROM receipts_receipt r "
        f"JOIN {NEW} n ON n.number = r.number ORDER BY r.id",
        [Status.RECORDED.value, actor_id, EVENT_NOTE],
    )
    return inserted


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


# The stager of the running import, inherited by the forked worker processes.
_WORKER_STAGER: _ChunkStager | None = None


def _stage_in_worker(chunk):
    return _WORKER_STAGER(chunk)


class _BackgroundLoader:
    """Runs ``stage.load`` (the COPY) in a thread, chunk after chunk, in order.

    The main process then goes on reading the CSV and feeding the validation workers while
    PostgreSQL takes the previous chunk (psycopg2 releases the GIL while libpq sends the data
    and waits for the server). At most two chunks wait: memory stays flat. Only this thread
    uses the connection until ``close``/``stop`` returns.
    """

    def __init__(self, load: Callable):
        self.load = load
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        # Started with the first chunk, once the workers are forked (no thread to fork with).
        self.thread: threading.Thread | None = None

    def _run(self):
        while (payload := self.queue.get()) is not None:
            if self.error is None:  # after an error, only drain: put() must never block
                try:
                    self.load(payload)
                except BaseException as error:  # noqa: BLE001 (re-raised by put/close)
                    self.error = error

    def put(self, payload):
        if self.error is not None:
            raise self.error
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="import-copy", daemon=True)
            self.thread.start()
        self.queue.put(payload)

    def stop(self):
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()

    def close(self):
        """Wait for the last COPY; raise its error, if any."""
        self.stop()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def _loader(load: Callable, *, background: bool):
    """``load(payload)`` for the import loop: in a thread when ``background``."""
    if not background:
        yield load
        return
    loader = _BackgroundLoader(load)
    try:
        yield loader.put
    except BaseException:
        loader.stop()  # the first error wins; the thread is done with the connection
        raise
    loader.close()


def _staged_chunks(chunks: Iterable[list], stager: _ChunkStager, workers: int) -> Iterator:
    """Yield ``stager(chunk)`` for every chunk, in order; validated by ``workers`` processes.

    With workers, the main process only reads the CSV and COPYs while the workers validate the
    next chunks, so the Python validation overlaps with PostgreSQL's work. At most two chunks
    per worker are in flight: memory does not grow with the file. The workers are forked (they
    inherit the kelurahan index and the active language) and never touch the database
    connection; the COPY stays in this process and this transaction.
    """
    global _WORKER_STAGER
    chunks = iter(chunks)
    first = list(itertools.islice(chunks, 2))
    if workers <= 1 or len(first) < 2:  # a file of one chunk is not worth starting processes
        for chunk in itertools.chain(first, chunks):
            yield stager(chunk)
        return
    chunks = itertools.chain(first, chunks)
    _WORKER_STAGER = stager
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        pending = deque()
        for chunk in chunks:
            pending.append(executor.submit(_stage_in_worker, chunk))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _WORKER_STAGER = None


def default_workers() -> int:
    """Validation processes for the command: one per core, at most two (the COPY and the
    database need the rest of the machine)."""
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


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
        validator = RowValidator(KelurahanIndex())
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # One import at a time: two imports of overlapping files would otherwise
                    # race between the SQL checks and the inserts.
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [STAGING])
                    _tune_transaction(cursor)
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


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def write_rejects_csv(rejects: Iterable[Reject], header: list[str], out, *, delimiter=";"):
    """Write the rejects report: row number, reason, then the row's original cells."""
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([_("baris"), _("alasan"), *header])
    for row_no, reason, cells in rejects:
        writer.writerow([row_no, reason, *cells])
