"""The ordinary apply: the valid rows become residents, contact data, receipts and events."""

# The SQL below interpolates only the package's own table-name constants; every value from the
# file travels as a query parameter or through COPY.
# ruff: noqa: S608

from typing import TYPE_CHECKING

from receipts.importing.staging import LATEST, NEW, STAGING, _analyze, _phase
from receipts.models import Status

if TYPE_CHECKING:
    from receipts.importing.bulk import _BulkLoad

EVENT_NOTE = "impor"


def _apply(cursor, *, now, actor_id, timings: dict[str, float], bulk: "_BulkLoad | None") -> dict:
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
