"""The first import into empty tables (receipts.importing.bulk._BulkLoad): indexes and foreign keys built once
after the rows. It must give exactly what the ordinary path gives, keep the schema, and undo
its DDL with everything else when the import fails."""

import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connection, connections, transaction

from receipts.importing import bulk as bulk_load
from receipts.models import Receipt, ReceiptEvent, Resident
from tests.factories import (
    ReceiptFactory,
    ResidentFactory,
)
from tests.import_rows import (
    BUDI_NIK,
    SITI_NIK,
    budi,
    counts,
    csv_text,
    mixed_rows,
    run,
    siti,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
TABLES = ["receipts_resident", "receipts_receipt", "receipts_receiptevent"]


def schema():
    """Names of the three tables' indexes and constraints, with what makes them what they are."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, i.indisunique, i.indisprimary, "
            "pg_get_indexdef(i.indexrelid) LIKE '%%WHERE%%', "
            "(SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey) "
            "WITH ORDINALITY k(attnum, ord) LEFT JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = k.attnum) "
            "FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) ORDER BY 1",
            [TABLES],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), "
            "convalidated FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 2",
            [TABLES],
        )
        return indexes, cursor.fetchall()


def content():
    """What the import wrote, without ids (the two paths number rows differently)."""
    residents = sorted(
        Resident.objects.values_list(
            "nik", "full_name", "birth_date", "sex", "kelurahan_id", "phone", "email", "address"
        )
    )
    receipts = sorted(
        Receipt.objects.values_list(
            "number",
            "resident__nik",
            "recorded_at",
            "recorded_place",
            "collection_kecamatan_id",
            "status",
            "status_changed_at",
        )
    )
    events = sorted(
        ReceiptEvent.objects.values_list(
            "receipt__number", "from_status", "to_status", "at", "actor_id", "note"
        )
    )
    return residents, receipts, events


def wipe():
    ReceiptEvent.objects.all().delete()
    Receipt.objects.all().delete()
    Resident.objects.all().delete()


def _file():
    rows = mixed_rows()
    rows.append(rows[0] | {"nomor_resi": "BPN1708019999", "telepon": "0811"})  # 2nd new, same NIK
    rows.append(budi(email="Budi@Contoh.ID"))
    return csv_text(*rows)


def test_bulk_load_gives_what_the_ordinary_path_gives(places):
    text = _file()
    ordinary = run(text, bulk_load=False)
    written = content()
    wipe()
    with mock.patch.object(
        bulk_load._BulkLoad, "complete", autospec=True, side_effect=bulk_load._BulkLoad.complete
    ) as bulk_insert:
        bulk = run(text)
    assert bulk_insert.call_count == 1  # the bulk path did run
    assert bulk[0].as_dict() | {"timings": None} == ordinary[0].as_dict() | {"timings": None}
    assert bulk[1] == ordinary[1]
    assert [reject[0] for reject in bulk[1]] == [4, 7, 9, 11, 14]
    assert content() == written
    assert (bulk[0].inserted, bulk[0].residents_inserted) == (9, 9)


def test_bulk_load_keeps_every_index_and_constraint(places):
    before = schema()
    result, _rejects = run(csv_text(siti(), budi()))
    assert "sql_bulk_indexes" in result.timings
    assert schema() == before
    assert all(validated for *_rest, validated in before[1])
    # ... and they hold: the unique NIK, one open receipt per resident, the foreign keys.
    siti_resident = Resident.objects.get(nik=SITI_NIK)
    for make in (
        lambda: ResidentFactory(nik=SITI_NIK),
        lambda: ReceiptFactory(resident=siti_resident),
        lambda: Receipt.objects.filter(number="BPN1708010001").update(resident_id=10**12),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            make()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_failure_after_the_bulk_load_undoes_it_and_its_ddl(places):
    before, schema_before = counts(), schema()
    real_finish = bulk_load._BulkLoad.finish

    def finish_then_fail(self):
        real_finish(self)
        raise RuntimeError("killed")

    with (
        mock.patch.object(bulk_load._BulkLoad, "finish", finish_then_fail),
        pytest.raises(RuntimeError, match="killed"),
    ):
        run(csv_text(siti(), budi()))
    assert counts() == before
    assert schema() == schema_before


def test_failure_while_the_indexes_are_dropped_restores_them(places):
    schema_before = schema()
    with (
        mock.patch.object(bulk_load._BulkLoad, "finish", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        run(csv_text(siti(), budi()))
    assert schema() == schema_before
    assert counts() == (0, 0, 0)


def test_the_bulk_load_leaves_the_lock_timeout_of_the_session_alone(places):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO '7s'")
        result, _rejects = run(csv_text(siti()))
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "7s"
    assert "sql_bulk_indexes" in result.timings


def test_tables_with_rows_take_the_ordinary_path(places, sepinggan):
    ReceiptFactory(resident=ResidentFactory(nik=BUDI_NIK, kelurahan=sepinggan))
    result, _rejects = run(csv_text(siti()))
    assert result.inserted == 1
    assert "sql_bulk_indexes" not in result.timings


@pytest.mark.django_db(transaction=True)
def test_a_reader_holding_a_table_sends_the_import_the_ordinary_way(places):
    """The exclusive lock is waited for BULK_LOCK_TIMEOUT at most, then given up: the import
    does not hang behind (nor make everyone else queue behind) a long transaction."""
    reading, done = threading.Event(), threading.Event()

    def long_reader():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT COUNT(*) FROM receipts_receipt")
                reading.set()
                done.wait(30)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    thread = threading.Thread(target=long_reader)
    thread.start()
    try:
        assert reading.wait(10)
        with mock.patch.object(bulk_load, "BULK_LOCK_TIMEOUT", "200ms"):
            result, _rejects = run(csv_text(siti(), budi()))
    finally:
        done.set()
        thread.join()
    assert result.inserted == 2
    assert "sql_bulk_indexes" not in result.timings
    assert Resident.objects.count() == 2
