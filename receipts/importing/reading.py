"""Reading the CSV file (encoding, separator, header) and writing the rejects report."""

import codecs
import csv
import io
import itertools
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


class ImportFormatError(Exception):
    """The file as a whole cannot be imported (unreadable, empty, required columns missing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# A rejected row as reported: (row number, Indonesian reason, original cells).
Reject = tuple[int, str, list[str]]


def header_key(name: str) -> str:
    return _KEY_RE.sub("", (name or "").strip().lstrip("\ufeff").casefold())


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


def write_rejects_csv(rejects: Iterable[Reject], header: list[str], out):
    """Write the rejects report: row number, reason, then the row's original cells."""
    writer = SafeWriter(out, dialect="staff")
    writer.writerow([_("baris"), _("alasan"), *header])
    for row_no, reason, cells in rejects:
        writer.writerow([row_no, reason, *cells])
