# The SQL here is assembled from constants of this module only; values travel as parameters.
# ruff: noqa: S608
"""A waiting receipt's place in the print queue, without counting the queue ahead of it.

The queue is every ``recorded`` receipt in (recorded_at, number) order, the order print runs
take them (partial index receipt_queue_idx). Counting the receipts ahead of one at the back of
a 100,000-receipt queue walked 60,000 index entries: 34 ms on average, up to 98 ms at 1M
receipts, more than a whole bare request. Instead the queue is kept counted per recording day
(``QueueDay``, by triggers on receipts_receipt: see its docstring), and

    position = 1 + SUM(waiting receipts of the earlier days) + COUNT(ahead of it on its own day)

The sum reads one short row per day still in the queue (90 at 1M), the count walks only its
own day of receipt_queue_idx (about a thousand entries at most). Exact, not approximate: the
triggers add and subtract in the statement that changes the receipts, so the counts commit
with the change and a reader sees both or neither.

Why triggers rather than calls in each writer: the queue moves through the status service,
bulk moves, the importer's COPY, the demo seeder, bench/seed_scale.py, the admin and the
test factories; a writer that forgot its call would make every position after it wrong,
silently, until someone recounted. A stored rank per receipt was the other candidate; it
must be rewritten for every receipt behind a change (a print run of 1,000 rewrites 99,000
ranks), where a day row is one UPDATE.

``queue_days_check`` (and ``manage.py queue_days_check``) recomputes the counts from the
receipts and returns the days that differ; ``queue_days_rebuild`` replaces them (after a
TRUNCATE of receipts, which fires no row triggers).
"""

import datetime

from django.db import connections, router, transaction

from receipts.models import Receipt, Status

# The receipt's UTC recording day, and the first instant of it, in each backend's SQL.
# ``{r}`` is the alias of the receipt's row in the statement around it.
_DAY = {
    "postgresql": "({r}.recorded_at AT TIME ZONE 'UTC')::date",
    "sqlite": "date({r}.recorded_at)",
}
_DAY_START = {
    "postgresql": "(date_trunc('day', {r}.recorded_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')",
    # Datetimes are 'YYYY-MM-DD HH:MM:SS[.ffffff]' text in UTC: the date sorts before them all.
    "sqlite": "date({r}.recorded_at)",
}


def position_sql(vendor: str, r: str = "r") -> str:
    """The SQL expression of the queue position of the ``recorded`` receipt aliased ``r``."""
    day, day_start = _DAY[vendor].format(r=r), _DAY_START[vendor].format(r=r)
    return (
        "(1 + (SELECT COALESCE(SUM(qd.recorded), 0) FROM receipts_queueday qd "
        f"WHERE qd.day < {day})"
        " + (SELECT COUNT(*) FROM receipts_receipt ahead WHERE ahead.status = 'recorded'"
        f" AND ahead.recorded_at >= {day_start} AND ahead.recorded_at <= {r}.recorded_at"
        f" AND (ahead.recorded_at < {r}.recorded_at OR ahead.number < {r}.number)))"
    )


def queue_position(*, receipt: Receipt) -> int:
    """Where a ``recorded`` receipt stands in the print queue (1 = next to be printed)."""
    connection = connections[router.db_for_read(Receipt)]
    sql = f"SELECT {position_sql(connection.vendor)} FROM receipts_receipt r WHERE r.id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [receipt.pk])
        return cursor.fetchone()[0]


def queue_position_by_count(*, receipt: Receipt) -> int:
    """The same position counted the slow way, over the whole queue ahead: the reference the
    tests and ``queue_days_check`` compare with."""
    ahead = Receipt.objects.filter(status=Status.RECORDED, recorded_at__lte=receipt.recorded_at)
    ahead = ahead.exclude(recorded_at=receipt.recorded_at, number__gte=receipt.number)
    return ahead.count() + 1


def _day_counts_sql(vendor: str) -> str:
    return (
        f"SELECT {_DAY[vendor].format(r='r')} AS day, COUNT(*) AS n FROM receipts_receipt r "
        "WHERE r.status = 'recorded' GROUP BY 1"
    )


def _as_date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def queue_days_check(*, using: str = "default") -> dict[datetime.date, tuple[int, int]]:
    """The days whose kept count differs from a recount: day -> (kept, counted); empty when
    every count is exact (a day kept at 0 with nothing waiting is no difference).

    One statement, so both sides come from the same snapshot while writers go on."""
    connection = connections[using]
    sql = (
        "SELECT day, SUM(kept), SUM(counted) FROM ("
        "SELECT day, recorded AS kept, 0 AS counted FROM receipts_queueday UNION ALL "
        f"SELECT day, 0, n FROM ({_day_counts_sql(connection.vendor)}) c"
        ") x GROUP BY day HAVING SUM(kept) <> SUM(counted) ORDER BY day"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return {_as_date(day): (int(kept), int(counted)) for day, kept, counted in rows}


@transaction.atomic
def queue_days_rebuild(*, using: str = "default") -> int:
    """Replace the kept counts by a recount (after a TRUNCATE of receipts, or a repair);
    return the number of days in the queue. Lock the table first: a concurrent writer's
    triggers wait instead of adding to counts about to be replaced."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE receipts_receipt IN SHARE MODE")
        cursor.execute("DELETE FROM receipts_queueday")
        cursor.execute(
            "INSERT INTO receipts_queueday (day, recorded) "
            f"SELECT day, n FROM ({_day_counts_sql(connection.vendor)}) c"
        )
        return cursor.rowcount
