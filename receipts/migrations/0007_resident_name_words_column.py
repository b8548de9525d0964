"""Name search: keep the folded name in a stored generated column and index that.

Measured at 1,000,000 residents (bench/name_search.py), the expression index of 0006 was
right for rare names and far too slow for common ones: "pratama" matched 62,000 residents,
and every candidate row had ``ektp_fold`` (unaccent) computed again for the trigram recheck
and twice more for the ranking, 1.6 s per search. A STORED generated column computes it once
per write; the recheck and the ranking then read it. PostgreSQL only, like 0006: on SQLite
the search computes the expression (receipts.name_search.NameWords).

The Django model does not declare the column (it is PostgreSQL-only and never written by
Django): every INSERT of the project names its columns, so the database fills it.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS resident_name_words_trgm",
    """
    ALTER TABLE receipts_resident ADD COLUMN IF NOT EXISTS name_words text
    GENERATED ALWAYS AS (' ' || ektp_fold(full_name)) STORED
    """,
    # Serves  name_words LIKE '% word%'  (any word of the name, by prefix).
    """
    CREATE INDEX IF NOT EXISTS resident_name_words_trgm ON receipts_resident
    USING gin (name_words gin_trgm_ops)
    """,
]
BACKWARD = [
    "DROP INDEX IF EXISTS resident_name_words_trgm",
    "ALTER TABLE receipts_resident DROP COLUMN IF EXISTS name_words",
    """
    CREATE INDEX IF NOT EXISTS resident_name_words_trgm ON receipts_resident
    USING gin ((' ' || ektp_fold(full_name)) gin_trgm_ops)
    """,
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
    dependencies = [("receipts", "0006_resident_name_search_trigram")]

    operations = [migrations.RunPython(forward, backward)]
