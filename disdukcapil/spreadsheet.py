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

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
DIALECTS = {"staff": ";", "plain": ","}


def safe_cell(value) -> str:
    """Return ``value`` as text a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class SafeWriter:
    """``csv.writer`` that writes every cell through :func:`safe_cell`, every cell quoted.

    ``writerow`` returns what the underlying file's ``write`` returned, so a writer over an
    echo object can feed a streaming response.
    """

    def __init__(self, out, *, dialect: str = "staff"):
        self._writer = csv.writer(out, delimiter=DIALECTS[dialect], quoting=csv.QUOTE_ALL)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class Echo:
    """A file-like object whose ``write`` returns the line: a CSV writer inside a generator."""

    def write(self, value):
        return value


def stream_lines(header, rows, *, dialect: str = "staff"):
    """Yield the CSV lines of ``header`` and ``rows``; the staff dialect starts with a BOM."""
    writer = SafeWriter(Echo(), dialect=dialect)
    first = writer.writerow(header)
    yield (BOM + first) if dialect == "staff" else first
    for row in rows:
        yield writer.writerow(row)
