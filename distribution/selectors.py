"""Reads for blank stock, the print queue, the staff dashboard and hand-overs."""

import datetime

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from disdukcapil.localtime import local_day_bounds
from distribution.models import BlankBatch, Card, Dispatch, HandOver, PickupSchedule, PrintRun
from receipts.models import Kecamatan, Receipt, Status
from receipts.name_search import rank_by_name, receipt_ids_by_name

# Blanks not yet carrying a card, in SQL: the database's twin of BlankBatch.left.
_STOCK_LEFT = F("quantity") - F("used") - F("spoiled")


def blank_batches_with_stock() -> QuerySet[BlankBatch]:
    """Batches that still have blanks, oldest delivery first (the order blanks are consumed)."""
    return (
        BlankBatch.objects.alias(stock_left=_STOCK_LEFT)
        .filter(stock_left__gt=0)
        .order_by("received_on", "pk")
        .only("pk", "quantity", "used", "spoiled", "received_on")
    )


def blank_stock_totals() -> dict[str, int]:
    """Received, used, spoiled and left over every batch, summed in the database (one query)."""
    zero = Value(0)
    # Aliases differ from the field names: an aggregate named "used" would shadow the field
    # that the "left" expression reads.
    sums = BlankBatch.objects.aggregate(
        sum_received=Coalesce(Sum("quantity"), zero),
        sum_used=Coalesce(Sum("used"), zero),
        sum_spoiled=Coalesce(Sum("spoiled"), zero),
        sum_left=Coalesce(Sum(_STOCK_LEFT), zero),
    )
    return {key.removeprefix("sum_"): value for key, value in sums.items()}


def blank_stock() -> dict:
    """Return every batch with received/used/spoiled/left, and the totals, from the database."""
    batches = list(
        BlankBatch.objects.annotate(stock_left=_STOCK_LEFT).order_by("received_on", "pk")
    )
    return {"batches": batches, "total": blank_stock_totals()}


def print_queue(*, kecamatan: Kecamatan | None, cutoff_date: datetime.date) -> QuerySet[Receipt]:
    """Receipts waiting for a blank, recorded on or before ``cutoff_date``, oldest first.

    A range on recorded_at (not a date cast) with status='recorded' and this ordering is what
    the partial index receipt_queue_idx (recorded_at, number WHERE status='recorded') serves.
    """
    queue = Receipt.objects.filter(
        status=Status.RECORDED, recorded_at__lt=local_day_bounds(cutoff_date)[1]
    ).order_by("recorded_at", "number")
    if kecamatan is not None:
        queue = queue.filter(collection_kecamatan=kecamatan)
    return queue


def receipt_status_counts() -> list[tuple[str, str, int]]:
    """(code, label, count) for every status, in the order of the status list."""
    counts = dict(
        Receipt.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [(s.value, s.label, counts.get(s.value, 0)) for s in Status]


def recent_print_runs(limit: int = 10) -> QuerySet[PrintRun]:
    return PrintRun.objects.select_related("kecamatan", "created_by").order_by("-created_at")[
        :limit
    ]


def recent_dispatches(limit: int = 10) -> QuerySet[Dispatch]:
    return (
        Dispatch.objects.select_related("kecamatan")
        .annotate(
            n_items=Count("items"),
            n_missing=Count("items", filter=Q(items__arrived=False)),
        )
        .order_by("-sent_at")[:limit]
    )


def active_handover(receipt: Receipt) -> HandOver | None:
    """Return the receipt's hand-over that has not been undone, if any."""
    return (
        HandOver.objects.filter(receipt=receipt, undone_at__isnull=True)
        .select_related("clerk")
        .order_by("-handed_at")
        .first()
    )


def pickup_day_cards(schedule: PickupSchedule) -> QuerySet[Card]:
    """The cards waiting at the counter for ``schedule``'s kelurahan (all, when it has none),
    in the order they sit in the box: by card serial."""
    cards = Card.objects.filter(
        outcome=Card.Outcome.PRINTED,
        receipt__collection_kecamatan_id=schedule.kecamatan_id,
        receipt__status=Status.READY,
    )
    if schedule.kelurahan_id is not None:
        cards = cards.filter(receipt__resident__kelurahan_id=schedule.kelurahan_id)
    return cards.select_related("receipt__resident__kelurahan").order_by("serial")


def pickup_days_with_counts(*, kecamatan_id: int | None = None, since: datetime.date | None = None):
    """Published pickup days (of one kecamatan, or all), each with ``waiting`` (cards ready at
    the counter for its kelurahan) and ``on_the_way`` (dispatched, not arrived yet).

    Two GROUP BY queries for the counts, whatever the number of days."""
    days = PickupSchedule.objects.select_related("kecamatan", "kelurahan").order_by(
        "kecamatan__code", "date", "start_time"
    )
    if kecamatan_id is not None:
        days = days.filter(kecamatan_id=kecamatan_id)
    if since is not None:
        days = days.filter(date__gte=since)
    days = list(days)
    counts = {}
    kecamatan_ids = {day.kecamatan_id for day in days}
    rows = (
        Receipt.objects.filter(
            collection_kecamatan_id__in=kecamatan_ids,
            status__in=(Status.READY, Status.DISPATCHED),
        )
        .values("collection_kecamatan_id", "resident__kelurahan_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        for key in (
            (row["collection_kecamatan_id"], row["resident__kelurahan_id"]),
            (row["collection_kecamatan_id"], None),  # a day for every kelurahan
        ):
            by_status = counts.setdefault(key, {})
            by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    for day in days:
        by_status = counts.get((day.kecamatan_id, day.kelurahan_id), {})
        day.waiting = by_status.get(Status.READY, 0)
        day.on_the_way = by_status.get(Status.DISPATCHED, 0)
    return days


def receipts_by_name(*, kecamatan_id: int, text: str, limit: int) -> list[Receipt]:
    """The kecamatan's receipts whose holder's name matches ``text``, best match first, at most
    ``limit``, with what the list shows (search_rows).

    The counter's search, and what bench/name_search.py measures: one definition, so the
    benchmark times the query clerks really run. On PostgreSQL the page is read from the word
    table in index order (receipts.name_search.receipt_ids_by_name: namesakes by receipt); on
    SQLite every match is ranked (rank_by_name: namesakes by newest receipt).
    """
    if connection.vendor == "postgresql":
        ids = receipt_ids_by_name(kecamatan_id=kecamatan_id, query=text, limit=limit)
        rows = {row.pk: row for row in search_rows(Receipt.objects.filter(pk__in=ids))}
        return [rows[pk] for pk in ids if pk in rows]
    scoped = Receipt.objects.filter(collection_kecamatan_id=kecamatan_id)
    ranked = rank_by_name(scoped, text, name_path="resident__full_name").order_by(
        "-name_rank", "resident__full_name", "-recorded_at"
    )
    return list(search_rows(ranked)[:limit])


def search_rows(matches: QuerySet[Receipt]) -> QuerySet[Receipt]:
    """What a search list shows of each receipt: enough to tell namesakes apart."""
    return matches.select_related("resident__kelurahan").only(
        "number",
        "status",
        "recorded_at",
        "resident__full_name",
        "resident__birth_date",
        "resident__kelurahan__name",
    )
