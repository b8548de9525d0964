"""Reading the CSV file (encoding, separator, header) and writing the rejects report."""

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from disdukcapil.spreadsheet import SafeWriter

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

_KEY_RE = re.compile(r"[\s_\-.]+")

# Memory per row is bounded (issue 16, finding 3): a 48 MB file of one line of 48 million
# ";" took a worker to 1.1 GB as one list of empty cells. A real row (11 columns, an address
# of a few hundred characters) is under 1 KB; these limits are far above that, and a line or
# a row over them is refused with the row number before it is split into cells.
MAX_LINE_CHARS = 16_384
MAX_COLUMNS = 50
# A record (a row as the csv module builds it) may span several lines inside a quoted cell;
# bounding each line alone let one record grow without limit: every line ending by opening
# a quote and the next closing it before 16 K ";" made millions of cells, all held until the
# record was complete and MAX_COLUMNS looked at it. The lines of one record together get the
# line's limit: a valid row, embedded line breaks included, is a few hundred characters.
MAX_RECORD_CHARS = MAX_LINE_CHARS


class ImportFormatError(Exception):
    """The file as a whole cannot be imported (unreadable, empty, required columns missing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# A rejected row as reported: (row number, Indonesian reason, original cells).
Reject = tuple[int, str, list[str]]


def header_key(name: str) -> str:
    return _KEY_RE.sub("", (name or "").strip().lstrip("\ufeff").casefold())


def _seekable(binary) -> bool:
    seekable = getattr(binary, "seekable", None)
    return seekable() if seekable is not None else hasattr(binary, "seek")


class _Replayed(io.RawIOBase):
    """The bytes already read from a stream that cannot seek back, then the rest of it."""

    def __init__(self, start: bytes, rest):
        self.start = memoryview(start)
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.start:
            count = min(len(buffer), len(self.start))
            buffer[:count] = self.start[:count]
            self.start = self.start[count:]
            return count
        data = self.rest.read1(len(buffer)) if hasattr(self.rest, "read1") else None
        if data is None:
            data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_text(binary) -> io.TextIOWrapper:
    """Wrap a binary file: UTF-8 (BOM or not); Windows-1252 if the start is not UTF-8.

    Spreadsheet software on Windows often saves CSV in the ANSI code page. The guess is made
    on the first 64 KiB; a file that turns out not to be UTF-8 further on is refused whole.
    """
    start = binary.read(65536)
    if _seekable(binary):
        binary.seek(0)
    else:  # a pipe (``zcat resi.csv.gz | manage.py import_receipts /dev/stdin``): read on
        binary = io.BufferedReader(_Replayed(start, binary))
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
        header_line = _bounded_line(text, 1)
    except UnicodeDecodeError:
        raise ImportFormatError(_("Berkas tidak dapat dibaca sebagai teks UTF-8.")) from None
    header_line = header_line.lstrip("\ufeff")
    if not header_line.strip():
        raise ImportFormatError(_("Berkas kosong: baris judul kolom tidak ditemukan."))
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    record = _Record()
    reader = csv.reader(_record_lines(text, header_line, record), delimiter=delimiter)
    try:
        header = next(reader)
    except _RecordTooLong:
        raise _record_too_long(1) from None
    except csv.Error as error:
        # (Not the csv module's field limit of 131,072 characters any more: a record is
        # refused at MAX_RECORD_CHARS first.)
        raise ImportFormatError(
            _("Baris judul kolom rusak: %(error)s.") % {"error": error}
        ) from None
    record.chars = 0
    _check_columns(header, 1)

    def rows():
        row_no = 1
        try:
            for cells in reader:
                record.chars = 0  # the next record starts with the next line
                # (the first cell is looked at alone first: the common case costs no generator)
                if not (cells and cells[0].strip()) and not any(cell.strip() for cell in cells):
                    continue  # blank lines (and rows of empty cells) are not data
                row_no += 1
                _check_columns(cells, row_no)
                yield row_no, cells
        except _RecordTooLong:
            raise _record_too_long(row_no + 1) from None
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


def check_header(binary) -> list[str]:
    """Read only the header of ``binary`` and rewind it; raise ImportFormatError as the import
    would (not a text file, header line too long or broken, required columns missing).

    For the upload form: these answers come at once, before the file goes to the task worker.
    Reads at most the first 64 KiB and one bounded line, whatever the size of the file.
    """
    text = open_text(binary)
    try:
        header, _rows = read_rows(text)
        map_header(header)
    finally:
        text.detach()
        binary.seek(0)
    return header


def _bounded_line(text, line_no: int) -> str:
    """One line, read at most ``MAX_LINE_CHARS`` (+1) characters at a time."""
    line = text.readline(MAX_LINE_CHARS + 1)
    if len(line) > MAX_LINE_CHARS:
        raise ImportFormatError(
            _(
                "Baris %(row)s terlalu panjang (lebih dari %(max)s karakter): "
                "periksa pemisah kolom dan tanda kutip."
            )
            % {"row": line_no, "max": f"{MAX_LINE_CHARS:,}".replace(",", ".")}
        )
    return line


class _Record:
    """The characters of the record being read: counted by _record_lines, reset by the
    reader's caller each time csv.reader returns a record."""

    __slots__ = ("chars",)

    def __init__(self):
        self.chars = 0


class _RecordTooLong(Exception):
    """Raised through csv.reader by _record_lines; its caller knows the row number."""


def _record_lines(text, first_line: str, record: _Record) -> Iterator[str]:
    """``first_line``, then the lines of ``text``; raise _RecordTooLong when the lines of one
    record pass MAX_RECORD_CHARS.

    csv.reader takes one line at a time, only as many as its record needs, so the lines
    counted since ``record.chars`` was reset are those of the record being built: it is
    refused at its first line over the limit, before its cells exist.
    """
    # Line numbers here are physical lines (a quoted cell may span several), so the number
    # in the line-length refusal is near the row number, not equal to it.
    line_no = 1
    line = first_line
    while line:
        record.chars += len(line)
        if record.chars > MAX_RECORD_CHARS:
            raise _RecordTooLong
        yield line
        line_no += 1
        line = _bounded_line(text, line_no)


def _record_too_long(row_no: int) -> ImportFormatError:
    return ImportFormatError(
        _(
            "Baris %(row)s terlalu panjang (lebih dari %(max)s karakter bersama baris "
            "lanjutannya di dalam tanda kutip): periksa tanda kutip yang tidak ditutup."
        )
        % {"row": row_no, "max": f"{MAX_RECORD_CHARS:,}".replace(",", ".")}
    )


def _check_columns(cells: list[str], row_no: int) -> None:
    if len(cells) > MAX_COLUMNS:
        raise ImportFormatError(
            _("Baris %(row)s memiliki %(count)s kolom; paling banyak %(max)s.")
            % {"row": row_no, "count": len(cells), "max": MAX_COLUMNS}
        )


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


def write_rejects_csv(rejects: Iterable[Reject], header: list[str], out):
    """Write the rejects report: row number, reason, then the row's original cells."""
    writer = SafeWriter(out, dialect="staff")
    writer.writerow([_("baris"), _("alasan"), *header])
    for row_no, reason, cells in rejects:
        writer.writerow([row_no, reason, *cells])
