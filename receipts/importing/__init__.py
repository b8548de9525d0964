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

from receipts.importing.orchestration import CHUNK_ROWS, ImportResult, import_receipts
from receipts.importing.reading import (
    ImportFormatError,
    Reject,
    check_header,
    write_rejects_csv,
)
from receipts.importing.workers import default_workers

# The package, by step (at run time each module imports only modules listed above it):
#   reading        the CSV file: encoding, separator, header; the rejects report
#   validation     one row on its own, no database (RowValidator)
#   staging        the TEMP staging table and the COPY text (_Stage, _ChunkStager)
#   decisions      the rejections that need the data or the whole file, in SQL
#   loading        the ordinary apply: new residents, contact data, receipts and events
#   bulk           the first import into empty tables (_BulkLoad)
#   workers        the forked validation processes and the COPY thread
#   orchestration  import_receipts: one transaction over all of the above

__all__ = [
    "CHUNK_ROWS",
    "ImportFormatError",
    "ImportResult",
    "check_header",
    "Reject",
    "default_workers",
    "import_receipts",
    "write_rejects_csv",
]
