"""Server-side prepared statements for the few hot, fixed statements (PostgreSQL).

psycopg2 sends every statement as text, so PostgreSQL plans it anew each time. For the
public lookup's one statement (portal.selectors: ten joins and four correlated subqueries)
planning took 1.7 ms against 0.5 ms of execution at 1,000,000 receipts, and a bare
one-row query costs 0.2 ms in all: most of a cold lookup's database time was the planner.
``execute`` PREPAREs the statement once per database connection and then runs EXECUTE, so
PostgreSQL plans it for the first few executions and then keeps its generic plan (measured:
0.9 ms instead of 3.0 ms per statement, median of 400 random numbers, bench/lookup_cold.py).

The PREPARE goes through the driver's own cursor, outside Django's query log and execute
wrappers: it is once per connection (a gunicorn worker keeps its connection for
``DB_CONN_MAX_AGE``), not per request, and a per-request count (tests pin one statement per
lookup) would otherwise depend on which test first used the connection. The EXECUTE is an
ordinary query, counted and timed like any other. A prepared statement survives a
rollback and lives as long as the connection; a new connection (Django reconnects after an
error or at ``CONN_MAX_AGE``) is a new driver object and is prepared again.

Off (plain statements) with ``DB_PREPARED_STATEMENTS=0`` — required behind a connection
pooler in transaction mode (PgBouncer), where one client's next statement may reach
another server connection that never saw the PREPARE — and on other backends (SQLite's
driver caches its statements itself).
"""

import re

from django.conf import settings

_PLACEHOLDER = re.compile(r"%s")


def enabled(connection) -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "DB_PREPARED_STATEMENTS", True)


def _dollar(sql: str) -> str:
    """%s placeholders as $1, $2, ... (the statements here have no literal %)."""
    if "%%" in sql:
        raise ValueError("prepared statements here take no literal %")
    count = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda _m: f"${next(count)}", sql)


def execute(connection, cursor, name: str, sql: str, params) -> None:
    """Run ``sql`` (with %s placeholders) with ``params`` on ``cursor``, a cursor of
    ``connection``, as the prepared statement ``name`` when enabled."""
    if not enabled(connection):
        cursor.execute(sql, params)
        return
    raw = connection.connection  # the psycopg2 connection this cursor runs on
    prepared_on, names = getattr(connection, "_ektp_prepared", (None, frozenset()))
    if prepared_on is not raw:
        names = frozenset()
    if name not in names:
        with raw.cursor() as driver_cursor:
            driver_cursor.execute(f"PREPARE {name} AS {_dollar(sql)}")
        connection._ektp_prepared = (raw, names | {name})
    placeholders = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name}({placeholders})", params)
