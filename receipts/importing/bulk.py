"""The first import into empty tables: indexes and foreign keys built once, after the rows."""

# The SQL below interpolates only the package's own table-name constants; every value from the
# file travels as a query parameter or through COPY.
# ruff: noqa: S608

from django.db import OperationalError, connection, transaction

from receipts.importing.loading import _INSERT_EVENTS, EVENT_NOTE
from receipts.importing.staging import CHUNK, STAGING, _phase, _set_local, _Stage
from receipts.models import Kecamatan, Kelurahan, Receipt, ReceiptEvent, Resident, Status

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
