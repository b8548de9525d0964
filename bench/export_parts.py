"""Where the time of the whole-city ``ready`` export goes, in one process (no HTTP).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_export_bench python bench/export_parts.py

Runs the export's query and then adds one part at a time: the rows as the database gives them,
the old per-value ``timezone.localtime().strftime()``, the formatter the export uses now, the
old one-line-per-write CSV generator, and ``csv_pieces`` (64 KiB pieces). Prints seconds and
the number of pieces a WSGI server would write, with the load average.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402


def old_lines(header, rows):
    """The generator the export used before (one yield, hence one WSGI write, per row)."""
    import csv

    from disdukcapil.spreadsheet import BOM, safe_cell

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo(), delimiter=";", quoting=csv.QUOTE_ALL)
    yield BOM + writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def main():
    setup_django()
    from django.utils import timezone

    from disdukcapil.spreadsheet import csv_pieces
    from distribution.exports import RECEIPTS_HEADER, local_minute_formatter, receipt_export
    from receipts.models import Status

    export = receipt_export(status="ready")
    labels = dict(Status.choices)

    def old_local(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    def rows_with(local):
        for number, code, kec, kel, rec, changed in export.raw_rows():
            yield number, code, labels.get(code, code), kec, kel, local(rec), local(changed)

    def run(name, make):
        started = time.monotonic()
        writes = sum(1 for _ in make())
        print(
            f"{name:48} {time.monotonic() - started:6.1f} s  {writes:>7} writes  "
            f"load {os.getloadavg()[0]:.2f}"
        )

    run("query only", export.raw_rows)
    run("query + old localtime().strftime()", lambda: rows_with(old_local))
    run("query + new formatter", lambda: rows_with(local_minute_formatter()))
    run(
        "old: localtime + one write per row",
        lambda: old_lines(RECEIPTS_HEADER, rows_with(old_local)),
    )
    run("new: formatter + csv_pieces (64 KiB)", lambda: csv_pieces(RECEIPTS_HEADER, export.rows()))


if __name__ == "__main__":
    main()
