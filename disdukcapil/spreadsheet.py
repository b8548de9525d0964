"""The one CSV writer of the project: every CSV a user may open in a spreadsheet goes through it.

Names, addresses and undo reasons come from residents and clerks. A cell that starts with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some spreadsheet programs
skip before reading such a prefix) is run as a formula by Excel, LibreOffice and Google
Sheets: ``=HYPERLINK(...)`` leaks data, ``=cmd|' /C calc'!A0`` runs a program (DDE). OWASP's
rule, applied to every cell: such a cell gets a leading ``'`` (shown, never evaluated), and
every cell is quoted, so an embedded delimiter or quote cannot start a new cell.

Two dialects, as used before this module existed:

- ``staff``: semicolons and a UTF-8 byte order mark, so Excel with Indonesian regional
  settings opens the file in columns (exports, print list, rejects reports of the import);
- ``plain``: commas, no BOM (the counter's "today" list).
"""

import csv
import io

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
DIALECTS = {"staff": ";", "plain": ","}


def safe_cell(value) -> str:
    """Return ``value`` as text a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class SafeWriter:
    """``csv.writer`` that writes every cell through :func:`safe_cell`, every cell quoted.

    ``writerow`` returns what the underlying file's ``write`` returned.
    """

    def __init__(self, out, *, dialect: str = "staff"):
        self._writer = csv.writer(out, delimiter=DIALECTS[dialect], quoting=csv.QUOTE_ALL)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


# About this much text per piece of a streamed or stored CSV: one WSGI write (one chunk of
# the HTTP response, one send) per piece instead of one per row. 500,000 rows written one
# line at a time cost about 500,000 writes through Django and gunicorn (docs/security.md).
PIECE_CHARS = 64 * 1024


def csv_pieces(header, rows, *, dialect: str = "staff", piece_chars: int = PIECE_CHARS):
    """Yield the CSV of ``header`` and ``rows`` as UTF-8 bytes, in pieces of about
    ``piece_chars`` characters (the staff dialect starts with a BOM).

    The first piece is the header alone. Every cell goes through :class:`SafeWriter`. The
    pieces joined are the whole file; a piece ends after a row.
    """
    text = io.StringIO()
    writer = SafeWriter(text, dialect=dialect)
    if dialect == "staff":
        text.write(BOM)
    writer.writerow(header)
    # The header alone first: a download starts at once, before the query's first rows.
    yield text.getvalue().encode("utf-8")
    text.seek(0)
    text.truncate()
    for row in rows:
        writer.writerow(row)
        if text.tell() >= piece_chars:
            yield text.getvalue().encode("utf-8")
            text.seek(0)
            text.truncate()
    if text.tell():
        yield text.getvalue().encode("utf-8")
