"""Which status change causes which message, and which channel a resident gets.

``on_status_change`` is registered with receipts.hooks: it runs inside the status service's
transaction, so the message rows commit (or roll back) with the change that causes them.
"""

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from notifications import quiet
from notifications.models import (
    PICKUP_CHANGES,
    REMINDERS,
    ChannelOptOut,
    ChannelOrder,
    Message,
    MessageState,
    Occasion,
    PickupChange,
    ResidentLanguage,
)
from notifications.phones import normalize_phone
from receipts.hooks import StatusChange
from receipts.models import Receipt, Status

logger = logging.getLogger("notifications")

# The receipt status each occasion needs: a message whose receipt has left it is pointless.
OCCASION_STATUS = {
    Occasion.READY: Status.READY,
    Occasion.PICKUP_DAY: Status.READY,
    Occasion.PICKUP_REMINDER: Status.READY,
    Occasion.UNCOLLECTED_FIRST: Status.READY,
    Occasion.UNCOLLECTED_SECOND: Status.READY,
    Occasion.ON_HOLD: Status.ON_HOLD,
    Occasion.PICKUP_CHANGED: Status.READY,
    Occasion.PICKUP_CANCELLED: Status.READY,
}


def occasions_outside(status: str) -> list[str]:
    return [o for o, needed in OCCASION_STATUS.items() if needed != status]


def on_status_change(change: StatusChange) -> None:
    """Cancel what no longer applies, then write the messages this change causes."""
    if change.from_status in OCCASION_STATUS.values():
        # Only a receipt leaving ready/on_hold can have messages that no longer apply; other
        # moves (the print queue's, thousands at a time) cost no query here.
        messages_cancel_pending(
            receipt_ids=change.receipt_ids, occasions=occasions_outside(change.to_status)
        )
    occasion = None
    if change.to_status == Status.READY and change.from_status != Status.COLLECTED:
        # collected -> ready is an undone hand-over: the resident was told already.
        occasion = Occasion.READY
    elif change.to_status == Status.ON_HOLD:
        occasion = Occasion.ON_HOLD
    if occasion is not None:
        messages_create(receipt_ids=change.receipt_ids, occasion=occasion, at=change.at)


def on_pickup_days_published(schedules) -> None:
    """Tell the residents of each kelurahan whose card is there about their new pickup day.

    A day that is tomorrow or today is left to the day-before reminder (the tick).
    """
    from django.db.models import Q

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    scope = Q(pk__in=[])
    for schedule in schedules:
        if schedule.date <= tomorrow:
            continue
        where = Q(collection_kecamatan_id=schedule.kecamatan_id)
        if schedule.kelurahan_id is not None:
            where &= Q(resident__kelurahan_id=schedule.kelurahan_id)
        scope |= where
    ids = list(Receipt.objects.filter(scope, status=Status.READY).values_list("pk", flat=True))
    messages_create(receipt_ids=ids, occasion=Occasion.PICKUP_DAY)


def on_pickup_days_changed(schedules, change: str) -> None:
    """Registered with distribution.hooks; called after the correction or cancel committed.

    Only enqueues: the worker finds who was told and writes their messages (pickup_change_tell),
    so the staff's request neither waits for it nor holds a transaction open for it.
    """
    from notifications import tasks

    at = timezone.now().isoformat()
    for schedule in schedules:
        tasks.pickup_change_tell.enqueue(
            schedule_id=schedule.pk,
            change=change,
            kecamatan_id=schedule.kecamatan_id,
            kelurahan_id=schedule.kelurahan_id,
            date=schedule.date.isoformat(),
            start_time=schedule.start_time.isoformat(),
            end_time=schedule.end_time.isoformat(),
            place=schedule.place,
            at=at,
        )


# Who was told a day: a message naming it that is sent, delivered, being sent, or waiting (a
# retry with its text rendered, or an earlier correction about to be replaced).
TOLD_STATES = (
    MessageState.PENDING,
    MessageState.SENDING,
    MessageState.SENT,
    MessageState.DELIVERED,
)


def told_receipt_ids(*, schedule_id: int) -> set[int]:
    return set(
        Message.objects.filter(schedule_id=schedule_id, state__in=TOLD_STATES).values_list(
            "receipt_id", flat=True
        )
    )


@transaction.atomic
def pickup_change_tell(
    *,
    schedule_id: int,
    change: str,
    kecamatan_id: int,
    kelurahan_id: int | None,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str,
    at: datetime.datetime,
) -> int:
    """Tell the residents who were told a pickup day that it was corrected or cancelled.

    The audience: receipts still ``ready`` at that kecamatan (and kelurahan) with a message
    that named the day (Message.schedule_id). One message each, on the first allowed channel,
    held NOTIFY_PICKUP_CHANGE_HOLD_SECONDS (and past the quiet hours). A newer change of the
    same day cancels the older one's waiting messages and is told instead; an older change
    arriving after a newer one (two workers) is recorded and told to no one. Returns how many
    messages were written.
    """
    from django.conf import settings

    if connection.vendor == "postgresql":
        # Changes of one day are told one at a time (two workers, two quick corrections).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [1812, schedule_id])
    record = PickupChange.objects.create(
        schedule_id=schedule_id,
        change=change,
        kecamatan_id=kecamatan_id,
        kelurahan_id=kelurahan_id,
        date=date,
        start_time=start_time,
        end_time=end_time,
        place=place,
        at=at,
    )
    newer = (
        PickupChange.objects.filter(schedule_id=schedule_id, at__gt=at).exclude(pk=record.pk)
    ).exists()
    if newer or (change == PickupChange.Change.CANCELLED and date < timezone.localdate()):
        return 0
    told = told_receipt_ids(schedule_id=schedule_id)
    # The older changes' messages still waiting: replaced by this one (the latest wins).
    replaced = Message.objects.filter(
        pickup_change__schedule_id=schedule_id,
        occasion__in=PICKUP_CHANGES,
        state=MessageState.PENDING,
    ).update(
        state=MessageState.CANCELLED,
        finished_at=timezone.now(),
        error="diganti perubahan jadwal yang lebih baru",
    )
    audience = Receipt.objects.filter(
        pk__in=told, collection_kecamatan_id=kecamatan_id, status=Status.READY
    )
    if kelurahan_id is not None:
        audience = audience.filter(resident__kelurahan_id=kelurahan_id)
    ids = list(audience.values_list("pk", flat=True))
    occasion = (
        Occasion.PICKUP_CANCELLED
        if change == PickupChange.Change.CANCELLED
        else Occasion.PICKUP_CHANGED
    )
    hold = datetime.timedelta(seconds=settings.NOTIFY_PICKUP_CHANGE_HOLD_SECONDS)
    created = messages_create(
        receipt_ids=ids, occasion=occasion, pickup_change=record, not_before=timezone.now() + hold
    )
    PickupChange.objects.filter(pk=record.pk).update(told=created)
    logger.info(
        "pickup day %s %s: %s residents told again (%s older messages replaced)",
        schedule_id,
        change,
        created,
        replaced,
    )
    return created


def channel_order() -> list[str]:
    row = ChannelOrder.objects.filter(pk=ChannelOrder.SINGLETON_ID).first()
    return row.channels if row else ChannelOrder().channels


def allowed_channels(*, phone: str, email: str, opted_out: Iterable[str]) -> list[str]:
    """The channels a resident's data allow, in the staff's order, minus opted-out ones."""
    return _channels(phone, email, opted_out, channel_order())


def _channels(phone: str, email: str, opted_out: Iterable[str], order: list[str]) -> list[str]:
    have = set()
    if normalize_phone(phone):
        have |= {"whatsapp", "sms"}
    if email:
        have.add("email")
    have -= set(opted_out)
    return [c for c in order if c in have]


_INSERT_SQL = """
    INSERT INTO notifications_message
        (receipt_id, channel, language, occasion, priority, state, idempotency_key, attempts,
         next_attempt_at, claim_token, recipient, subject, body, provider_id, error, created_at,
         pickup_change_id, schedule_id)
    SELECT r, c, l, %s, %s, 'pending', gen_random_uuid(), 0, %s, '', '', '', '', '', '', %s,
           %s, %s
    FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS m(r, c, l)
    ON CONFLICT DO NOTHING
"""


def _insert(
    rows: list[tuple[int, str, str]],
    *,
    occasion: str,
    at,
    due,
    pickup_change: PickupChange | None = None,
) -> None:
    """Insert (receipt, channel, language) rows as pending messages; skip existing ones.

    On PostgreSQL one INSERT ... SELECT FROM unnest() of three arrays: the ORM's bulk_create
    spends about 2 ms of Python per row preparing 20 columns, 40 s for an arrival of 20,000.
    """
    if not rows:
        return
    priority = 1 if occasion in REMINDERS else 0
    change_id = pickup_change.pk if pickup_change else None
    # A correction names its day from the start: a later change finds who it told.
    schedule_id = (
        pickup_change.schedule_id
        if pickup_change and pickup_change.change == PickupChange.Change.UPDATED
        else None
    )
    if connection.vendor == "postgresql":
        receipt_ids, channels, languages = (list(column) for column in zip(*rows, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_SQL,
                [occasion, priority, due, at, change_id, schedule_id]
                + [receipt_ids, channels, languages],
            )
        return
    Message.objects.bulk_create(
        [
            Message(
                receipt_id=receipt_id,
                occasion=occasion,
                priority=priority,
                channel=channel,
                language=language,
                created_at=at,
                next_attempt_at=due,
                pickup_change_id=change_id,
                schedule_id=schedule_id,
            )
            for receipt_id, channel, language in rows
        ],
        ignore_conflicts=True,
    )


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    size = connection.features.max_query_params
    if not size:
        yield ids
        return
    size = max(size - 10, 1)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def messages_create(
    *,
    receipt_ids: Sequence[int],
    occasion: str,
    at=None,
    pickup_change: PickupChange | None = None,
    not_before=None,
) -> int:
    """Write one pending message per receipt on its first allowed channel; return how many.

    Four queries per chunk of ids (one chunk on PostgreSQL), whatever their number: the
    receipts' contacts, their opt-outs, their languages, one INSERT. A row that exists
    already (the same occasion again) is skipped by the unique constraint, not duplicated.
    ``not_before``: hold the messages until then (and then past the quiet hours).
    """
    at = at or timezone.now()
    due = quiet.next_allowed(max(at, not_before) if not_before else at)
    order = channel_order()
    created = 0
    for chunk in _chunks(list(receipt_ids)):
        contacts = list(
            Receipt.objects.filter(pk__in=chunk).values_list(
                "pk", "resident_id", "resident__phone", "resident__email"
            )
        )
        resident_ids = [r for _pk, r, _p, _e in contacts]
        opted: dict[int, set[str]] = {}
        for resident_id, channel in ChannelOptOut.objects.filter(
            resident_id__in=resident_ids
        ).values_list("resident_id", "channel"):
            opted.setdefault(resident_id, set()).add(channel)
        languages = dict(
            ResidentLanguage.objects.filter(resident_id__in=resident_ids).values_list(
                "resident_id", "language"
            )
        )
        rows = []
        for receipt_id, resident_id, phone, email in contacts:
            channels = _channels(phone, email, opted.get(resident_id, ()), order)
            if channels:
                rows.append((receipt_id, channels[0], languages.get(resident_id, "id")))
        _insert(rows, occasion=occasion, at=at, due=due, pickup_change=pickup_change)
        created += len(rows)
    if created and due > at:
        logger.info(
            "%s %s messages held for the quiet hours until %s",
            created,
            occasion,
            timezone.localtime(due).strftime("%d-%m-%Y %H:%M"),
        )
    if created:
        from notifications import tasks

        transaction.on_commit(tasks.kick)
    return created


def messages_cancel_pending(*, receipt_ids: Sequence[int], occasions: Sequence[str]) -> int:
    """Cancel the messages still waiting for these receipts on these occasions."""
    now = timezone.now()
    count = 0
    for chunk in _chunks(list(receipt_ids)):
        count += Message.objects.filter(
            receipt_id__in=chunk, occasion__in=occasions, state=MessageState.PENDING
        ).update(state=MessageState.CANCELLED, finished_at=now, error="status berubah")
    return count
