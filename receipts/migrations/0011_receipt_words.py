"""Counter name search: a word table written by triggers, read in index order (issue 18.2).

At 1,000,000 residents the trigram index of 0007 found a common first name in a few ms, but
ranking every match (10,000 "Siti" at one kecamatan) took 220-860 ms per search. Here each
receipt's holder's name is split into words (receipts.ReceiptWord) with the receipt's
kecamatan, and the search reads whole-word and start-of-name matches straight from a btree in
the order the page shows, LIMIT 51 (receipts.name_search.receipt_ids_by_name).

PostgreSQL only: triggers keep the table current for every writer (a statement trigger with a
transition table for INSERTs, so a bulk load of 100,000 receipts costs one INSERT ... SELECT;
row triggers, filtered by WHEN, for a receipt changing holder or kecamatan and for a renamed
resident). The words come from the stored folded name (resident.name_words, 0007). The
backfill of 1,000,000 receipts took ~90 s on the loaded benchmark machine.
"""

import django.db.models.deletion

# Only the module's own SQL is interpolated.
# ruff: noqa: S608
from django.db import migrations, models

# The rows of ReceiptWord for the receipts in ``source`` (an alias with id,
# collection_kecamatan_id, resident_id).
_ROWS = """
    INSERT INTO receipts_receiptword (receipt_id, kecamatan_id, word, name, first, leads)
    SELECT n.id, n.collection_kecamatan_id, p.w, ' ' || f.n || ' ', bool_or(p.i = 1),
           starts_with(f.n, p.w)
    FROM {source} n
    JOIN receipts_resident r ON r.id = n.resident_id
    CROSS JOIN LATERAL (SELECT btrim(regexp_replace(r.name_words, '\\s+', ' ', 'g')) AS n) f
    CROSS JOIN LATERAL unnest(string_to_array(f.n, ' ')) WITH ORDINALITY AS p(w, i)
    WHERE f.n <> '' {where}
    GROUP BY n.id, n.collection_kecamatan_id, p.w, f.n
"""

FORWARD = [
    'ALTER TABLE receipts_receiptword ALTER COLUMN word TYPE varchar(150) COLLATE "C"',
    'ALTER TABLE receipts_receiptword ALTER COLUMN name TYPE varchar(160) COLLATE "C"',
    f"""
    CREATE OR REPLACE FUNCTION receipt_words_on_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {_ROWS.format(source="new_receipts", where="")};
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION receipt_words_rebuild(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM receipts_receiptword WHERE receipt_id = ANY(ids);
        {_ROWS.format(source="receipts_receipt", where="AND n.id = ANY(ids)")};
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION receipt_words_on_receipt_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM receipt_words_rebuild(ARRAY[NEW.id]);
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION receipt_words_on_rename() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM receipt_words_rebuild(
            ARRAY(SELECT id FROM receipts_receipt WHERE resident_id = NEW.id)
        );
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER receipt_words_insert AFTER INSERT ON receipts_receipt
    REFERENCING NEW TABLE AS new_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_words_on_insert()
    """,
    """
    CREATE TRIGGER receipt_words_receipt_update
    AFTER UPDATE OF resident_id, collection_kecamatan_id ON receipts_receipt
    FOR EACH ROW WHEN (
        OLD.resident_id IS DISTINCT FROM NEW.resident_id
        OR OLD.collection_kecamatan_id IS DISTINCT FROM NEW.collection_kecamatan_id
    )
    EXECUTE FUNCTION receipt_words_on_receipt_update()
    """,
    """
    CREATE TRIGGER receipt_words_rename AFTER UPDATE OF full_name ON receipts_resident
    FOR EACH ROW WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name)
    EXECUTE FUNCTION receipt_words_on_rename()
    """,
    """
    CREATE OR REPLACE FUNCTION receipt_words_on_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM receipts_receiptword WHERE receipt_id IN (SELECT id FROM old_receipts);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER receipt_words_delete AFTER DELETE ON receipts_receipt
    REFERENCING OLD TABLE AS old_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_words_on_delete()
    """,
    _ROWS.format(source="receipts_receipt", where=""),
    "ANALYZE receipts_receiptword",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS receipt_words_insert ON receipts_receipt",
    "DROP TRIGGER IF EXISTS receipt_words_receipt_update ON receipts_receipt",
    "DROP TRIGGER IF EXISTS receipt_words_rename ON receipts_resident",
    "DROP TRIGGER IF EXISTS receipt_words_delete ON receipts_receipt",
    "DROP FUNCTION IF EXISTS receipt_words_on_delete()",
    "DROP FUNCTION IF EXISTS receipt_words_on_insert()",
    "DROP FUNCTION IF EXISTS receipt_words_on_receipt_update()",
    "DROP FUNCTION IF EXISTS receipt_words_on_rename()",
    "DROP FUNCTION IF EXISTS receipt_words_rebuild(bigint[])",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0010_queueday_kept_by_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReceiptWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=150, verbose_name="kata")),
                ("name", models.CharField(max_length=160, verbose_name="nama terlipat")),
                ("first", models.BooleanField(verbose_name="kata pertama")),
                ("leads", models.BooleanField(verbose_name="nama diawali kata ini")),
                (
                    "kecamatan",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="receipts.kecamatan",
                        verbose_name="kecamatan",
                    ),
                ),
                (
                    "receipt",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="receipts.receipt",
                        verbose_name="resi",
                    ),
                ),
            ],
            options={
                "verbose_name": "kata nama",
                "verbose_name_plural": "kata nama",
                "indexes": [
                    models.Index(
                        fields=["kecamatan", "word", "leads", "name", "receipt"],
                        include=("first",),
                        name="receiptword_search_idx",
                    ),
                    models.Index(
                        condition=models.Q(("first", True)),
                        fields=["kecamatan", "name", "receipt"],
                        name="receiptword_first_idx",
                    ),
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
