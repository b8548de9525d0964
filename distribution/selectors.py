"""Reads for blank stock, the print queue, the staff dashboard and hand-overs."""

import datetime

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from disdukcapil.localtime import local_day_bounds
from distribution.models import BlankBatch, Dispatch, HandOver, PrintRun
from receipts.models import Kecamatan, Receipt, Status

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
