"""The test suite's PostgreSQL backend: Django's, with a flush that deletes instead of truncating.

Every transactional test (live server, real threads, worker processes) ends with a flush of
all 47 tables. Django's is one ``TRUNCATE``, which gives each table a new file: about a second
on this machine under load, against 0.05 s for a ``DELETE`` of the few rows a test writes; the
suite has some eighty such tests. The rows go either way. Triggers are skipped for the delete
(``session_replication_role``), as TRUNCATE skips them: the queue-day counters and the name
search's word table are emptied with the rest, not updated row by row on the way out (and
foreign keys, which are triggers too, need no particular order). Sequences are reset only
when asked, as with TRUNCATE. Content types and permissions are kept (see KEPT).

Only the tests use it (tests/settings.py); it needs a superuser, which the suite's
PostgreSQL user is (CI, this machine). Without one it falls back to Django's TRUNCATE.
"""

from functools import cached_property

from django.db.backends.postgresql import base, operations

# Derived from the models alone, the same before and after any test (no test creates one):
# kept, so the flush's post_migrate finds them all instead of creating ~300 rows again.
KEPT = frozenset({"django_content_type", "auth_permission"})


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        tables = [table for table in tables if table not in KEPT]
        if not tables or not self.connection.is_superuser:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        statements = ["SET LOCAL session_replication_role = replica;"]
        statements += [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608 (quoted table names)
        if reset_sequences:
            sequences = [
                info
                for table in tables
                for info in self.connection.introspection.get_sequences(
                    self.connection.cursor(), table
                )
            ]
            statements += self.sequence_reset_by_name_sql(style, sequences)
        statements.append("SET LOCAL session_replication_role = DEFAULT;")
        return statements


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    @cached_property
    def is_superuser(self) -> bool:
        with self.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        return bool(row and row[0])
