"""Name search at the counter and in the admin: a trigram index over the folded name words.

PostgreSQL only (SQLite registers ``ektp_fold`` in Python and scans; it is the try-out
database). ``unaccent`` is not IMMUTABLE (its dictionary could change), so an index cannot
call it directly: ``ektp_fold`` wraps it with the dictionary named explicitly, the usual way
to index unaccented text. The expression must stay identical to
``receipts.name_search`` or the planner will not use the index (0007 moves it into a column).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    CREATE OR REPLACE FUNCTION ektp_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
    """,
    # Serves  (' ' || ektp_fold(full_name)) LIKE '% word%'  (any word of the name, by prefix).
    """
    CREATE INDEX IF NOT EXISTS resident_name_words_trgm ON receipts_resident
    USING gin ((' ' || ektp_fold(full_name)) gin_trgm_ops)
    """,
]
BACKWARD = [
    "DROP INDEX IF EXISTS resident_name_words_trgm",
    "DROP FUNCTION IF EXISTS ektp_fold(text)",
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
    dependencies = [("receipts", "0005_event_actor_partial_index")]

    operations = [migrations.RunPython(forward, backward)]
