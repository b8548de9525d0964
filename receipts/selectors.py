"""Reads of receipts that more than one page relies on: one definition each."""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from receipts.models import Receipt, Status

# Statuses in which a receipt waits on the office, not on the resident: printed but not sent,
# sent but not confirmed. Stuck there too long, a card may be lost between printer and counter.
STALE_STATUSES = (Status.PRINTED, Status.DISPATCHED)


def stale_since(now: datetime.datetime | None = None) -> datetime.datetime:
    """A receipt whose status last changed at or before this instant is stale."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.STALE_AFTER_DAYS)


def stale_receipts(
    queryset: QuerySet[Receipt] | None = None, *, now: datetime.datetime | None = None
) -> QuerySet[Receipt]:
    """Receipts printed or dispatched whose status has not moved for STALE_AFTER_DAYS days or
    more (the dashboard's count and the admin's "macet" list both read this).

    Served by receipt_status_age_idx (status, status_changed_at).
    """
    queryset = Receipt.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=STALE_STATUSES, status_changed_at__lte=stale_since(now))


def receipt_is_stale(receipt: Receipt, *, now: datetime.datetime | None = None) -> bool:
    """The same rule as ``stale_receipts``, for one receipt already in memory."""
    return receipt.status in STALE_STATUSES and receipt.status_changed_at <= stale_since(now)
