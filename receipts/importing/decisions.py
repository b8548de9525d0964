"""The rejections decided in SQL on the staging table (they need the data or the whole file)."""

# The SQL below interpolates only the package's own table-name constants; every value from the
# file travels as a query parameter or through COPY.
# ruff: noqa: S608

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from receipts.importing.staging import NEW, STAGING, _analyze, _phase
from receipts.models import Status

if TYPE_CHECKING:
    from receipts.importing.bulk import _BulkLoad

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


def _mark(cursor, reason, where: str, params=()):
    cursor.execute(
        f"UPDATE {STAGING} SET reason = %s WHERE reason IS NULL AND {where}",
        [str(reason), *params],
    )


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
