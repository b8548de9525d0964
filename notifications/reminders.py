"""Messages written by the periodic tick: the day-before reminder and cards still
uncollected (pickup days are told when published: occasions.on_pickup_days_published). Every one is idempotent: the unique (receipt, occasion, channel) makes a
second tick (or a second scheduler) write nothing new."""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from distribution.models import PickupSchedule
from notifications.models import Message, Occasion
from notifications.occasions import messages_create
from receipts.models import Receipt, Status


def _ready_with_schedule(day_filter: Q):
    """Ready receipts with a pickup day (matching ``day_filter``) for their kelurahan."""
    schedules = PickupSchedule.objects.filter(
        day_filter, kecamatan_id=OuterRef("collection_kecamatan_id")
    ).filter(Q(kelurahan_id=OuterRef("resident__kelurahan_id")) | Q(kelurahan__isnull=True))
    return Receipt.objects.filter(status=Status.READY).filter(Exists(schedules))


def _without(queryset, occasion: str):
    """Receipts of ``queryset`` that have no ``occasion`` message yet, and that did get a
    ready message: reminders follow the ready message, so the cards that were waiting
    before notifications were switched on (a whole city's, on day one) get no storm of late
    reminders, and residents without a usable contact cost nothing."""
    sent = Message.objects.filter(receipt_id=OuterRef("pk"), occasion=occasion)
    told = Message.objects.filter(receipt_id=OuterRef("pk"), occasion=Occasion.READY)
    return queryset.filter(Exists(told)).filter(~Exists(sent)).values_list("pk", flat=True)


def reminders_create(*, now=None) -> dict:
    """Write every reminder that is due now; return how many per occasion."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = today + datetime.timedelta(days=1)
    created = {}
    created[Occasion.PICKUP_REMINDER] = messages_create(
        receipt_ids=list(
            _without(_ready_with_schedule(Q(date=tomorrow)), Occasion.PICKUP_REMINDER)
        ),
        occasion=Occasion.PICKUP_REMINDER,
        at=now,
    )
    # Each reminder is due from its day on, for NOTIFY_REMINDER_WINDOW_DAYS: a card that has
    # waited two years when notifications are switched on gets no late "14 days" reminder
    # (and the first tick after a rollout sends no storm of them).
    window = datetime.timedelta(days=settings.NOTIFY_REMINDER_WINDOW_DAYS)
    occasions = (Occasion.UNCOLLECTED_FIRST, Occasion.UNCOLLECTED_SECOND)
    for occasion, days in zip(occasions, settings.NOTIFY_UNCOLLECTED_DAYS, strict=False):
        due_from = now - datetime.timedelta(days=days)
        waiting = Receipt.objects.filter(
            status=Status.READY,
            status_changed_at__lte=due_from,
            status_changed_at__gt=due_from - window,
        )
        created[occasion] = messages_create(
            receipt_ids=list(_without(waiting, occasion)), occasion=occasion, at=now
        )
    return {str(k): v for k, v in created.items()}
