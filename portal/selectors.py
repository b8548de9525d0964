"""Reads for the public pages: one receipt's public facts, and the city's progress figures.

Both are shaped for a constant, small number of queries: the lookup costs 2 queries, plus 1 for
the pickup schedule once the card is on its way, plus 3 for a receipt still waiting for a blank;
the statistics cost 5 GROUP BY queries, whatever the size of the tables.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, Q, Subquery
from django.db.models.functions import TruncWeek
from django.utils import timezone

from disdukcapil.localtime import local_midnight
from distribution.models import Card, HandOver, PickupSchedule
from distribution.selectors import blank_stock_totals
from receipts.models import Kecamatan, PublicDataVersion, Receipt, ReceiptEvent, Status
from receipts.numbers import initials, mask_name

# Statuses for which the resident needs the pickup days: the card is on its way or waiting.
SCHEDULE_STATUSES = frozenset({Status.DISPATCHED, Status.READY})
MAX_SCHEDULES = 5
# The printing rate behind the waiting-time estimate is measured over this many days.
PRINT_RATE_DAYS = 28
STATS_WEEKS = 12


@dataclass
class QueueEstimate:
    position: int  # 1 = next to be printed
    blanks_left: int
    enough_blanks: bool
    cards_per_week: int  # printed over the last PRINT_RATE_DAYS, per week
    weeks: int | None  # None when there is no printing rate to estimate from


@dataclass
class ReceiptLookup:
    """What the public may know about one receipt; never the holder's private data."""

    number: str
    status: str
    status_changed_at: datetime.datetime
    masked_name: str
    holder_initials: str
    kelurahan_name: str
    kecamatan: Kecamatan
    events: list  # [(to_status, at)]
    schedules: list = field(default_factory=list)
    queue: QueueEstimate | None = None

    @property
    def status_label(self):
        return Status(self.status).label

    @property
    def timeline(self):
        return [{"status": code, "label": Status(code).label, "at": at} for code, at in self.events]


class _Number(str):
    """The receipt number's place among the parameters of the compiled stamp query."""


@functools.cache
def _stamp_query() -> tuple[str, tuple]:
    version = PublicDataVersion.objects.filter(pk=PublicDataVersion.SINGLETON_ID).values("value")
    query = (
        Receipt.objects.filter(number=_Number())
        .annotate(version=Subquery(version))
        .values_list("status", "status_changed_at", "version")
        .order_by()[:1]
    )
    return query.query.sql_with_params()


def receipt_stamp(*, number: str) -> tuple | None:
    """The receipt's status, when it last changed and the public data version, or None.

    One query on the unique index of the number (the version is a one-row subquery). It runs
    on every lookup, so the ORM builds its SQL once per process; the row comes back as the
    database driver gives it, which is all portal.lookup_cache compares.
    """
    sql, params = _stamp_query()
    # The database the router reads Receipt from in this request, never a fixed one: the
    # stamp must come from the same database (and so the same point in time) as the body it
    # validates, or a lagging replica's old body would be kept under the primary's new stamp
    # and served until the next change (tests/deploy/test_replica_router.py).
    with connections[router.db_for_read(Receipt)].cursor() as cursor:
        cursor.execute(sql, [number if isinstance(p, _Number) else p for p in params])
        return cursor.fetchone()


def receipt_lookup(*, number: str) -> ReceiptLookup | None:
    """Return the public facts of the receipt with the normalised ``number``, or None."""
    receipt = (
        Receipt.objects.select_related("resident__kelurahan", "collection_kecamatan")
        .filter(number=number)
        .first()
    )
    if receipt is None:
        return None
    resident = receipt.resident
    result = ReceiptLookup(
        number=receipt.number,
        status=receipt.status,
        status_changed_at=receipt.status_changed_at,
        masked_name=mask_name(resident.full_name),
        holder_initials=initials(resident.full_name),
        kelurahan_name=resident.kelurahan.name,
        kecamatan=receipt.collection_kecamatan,
        events=list(
            ReceiptEvent.objects.filter(receipt_id=receipt.pk)
            .order_by("at", "id")
            .values_list("to_status", "at")
        ),
    )
    if receipt.status in SCHEDULE_STATUSES:
        result.schedules = upcoming_schedules(
            kecamatan_id=receipt.collection_kecamatan_id, kelurahan_id=resident.kelurahan_id
        )
    if receipt.status == Status.RECORDED:
        result.queue = queue_estimate(receipt=receipt)
    return result


def upcoming_schedules(*, kecamatan_id: int, kelurahan_id: int) -> list[PickupSchedule]:
    """The next pickup days at a kecamatan for one kelurahan (or for every kelurahan)."""
    today = timezone.localdate()
    return list(
        PickupSchedule.objects.filter(kecamatan_id=kecamatan_id, date__gte=today)
        .filter(Q(kelurahan_id=kelurahan_id) | Q(kelurahan__isnull=True))
        .order_by("date", "start_time")[:MAX_SCHEDULES]
    )


def queue_estimate(*, receipt: Receipt) -> QueueEstimate:
    """Where a `recorded` receipt stands in the print queue, and whether blanks cover it.

    The count walks the partial index ``receipt_queue_idx`` (recorded_at, number) WHERE
    status = 'recorded', the same order in which print runs take receipts.
    """
    # "recorded_at <= mine" first, as a range on the index's leading column: PostgreSQL then
    # reads only the part of the index ahead of this receipt. Written as one OR of the two
    # cases it filtered the whole queue instead (31 ms vs 17 ms at 100,000 waiting; bench/).
    ahead = Receipt.objects.filter(
        status=Status.RECORDED, recorded_at__lte=receipt.recorded_at
    ).filter(Q(recorded_at__lt=receipt.recorded_at) | Q(number__lt=receipt.number))
    position = ahead.count() + 1
    blanks_left = blank_stock_totals()["left"]
    since = timezone.now() - datetime.timedelta(days=PRINT_RATE_DAYS)
    printed = Card.objects.filter(outcome=Card.Outcome.PRINTED, printed_at__gte=since).count()
    per_week = round(printed * 7 / PRINT_RATE_DAYS)
    enough = blanks_left >= position
    weeks = None
    if enough and per_week > 0:
        weeks = max(1, -(-position // per_week))
    return QueueEstimate(
        position=position,
        blanks_left=blanks_left,
        enough_blanks=enough,
        cards_per_week=per_week,
        weeks=weeks,
    )


def week_starts(*, today: datetime.date, weeks: int = STATS_WEEKS) -> list[datetime.date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, the current week last."""
    monday = today - datetime.timedelta(days=today.weekday())
    return [monday - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def public_statistics() -> dict:
    """The city's progress in plain numbers (language-neutral, so it can be cached as is).

    Five GROUP BY/aggregate queries; nothing loops over rows of the big tables.
    """
    blanks = blank_stock_totals()

    kecamatan = list(Kecamatan.objects.order_by("code").values_list("id", "name"))
    counts = {
        (row["collection_kecamatan_id"], row["status"]): row["n"]
        for row in Receipt.objects.order_by()
        .values("collection_kecamatan_id", "status")
        .annotate(n=Count("id"))
    }
    statuses = [s.value for s in Status]
    per_kecamatan = [
        {
            "name": name,
            "counts": [counts.get((pk, code), 0) for code in statuses],
            "total": sum(counts.get((pk, code), 0) for code in statuses),
        }
        for pk, name in kecamatan
    ]

    starts = week_starts(today=timezone.localdate())
    since = local_midnight(starts[0])
    tz = timezone.get_current_timezone()
    recorded = _per_week(
        Receipt.objects.filter(recorded_at__gte=since)
        .order_by()
        .annotate(week=TruncWeek("recorded_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
    )
    handed = _per_week(
        HandOver.objects.filter(handed_at__gte=since, undone_at__isnull=True)
        .order_by()
        .annotate(week=TruncWeek("handed_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
    )
    weekly = [
        {"start": start, "recorded": recorded.get(start, 0), "handed_over": handed.get(start, 0)}
        for start in starts
    ]
    return {
        "blanks": blanks,
        "statuses": statuses,
        "per_kecamatan": per_kecamatan,
        "weekly": weekly,
        "generated_at": timezone.now(),
    }


def _per_week(rows) -> dict[datetime.date, int]:
    result = {}
    for row in rows:
        week = row["week"]
        if isinstance(week, datetime.datetime):
            week = timezone.localtime(week).date() if timezone.is_aware(week) else week.date()
        result[week] = result.get(week, 0) + row["n"]
    return result
