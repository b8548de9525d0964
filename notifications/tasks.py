"""Background jobs of the notifications: drain the outbox, and the periodic tick."""

import logging

from django.conf import settings
from django_tasks import task

from disdukcapil.tasks import QUEUE_DEFAULT, has_waiting
from notifications import delivery

logger = logging.getLogger("notifications.tasks")


@task(queue_name=QUEUE_DEFAULT)
def deliver_due() -> dict:
    """Send due messages for a while; enqueue a successor if some are still due."""
    result = delivery.drain()
    if result.total() and delivery.due_count():
        deliver_due.enqueue()
    return result.__dict__


@task(queue_name=QUEUE_DEFAULT)
def tick() -> dict:
    """The periodic job (every NOTIFY_TICK_SECONDS, from notify_scheduler): write the
    reminders that are due, and make sure a drain is queued when messages wait (retries
    whose backoff ended, messages held over the night, leases of dead workers)."""
    from notifications import reminders

    created = reminders.reminders_create()
    if delivery.due_count() and not has_waiting(deliver_due):
        for _ in range(settings.NOTIFY_PARALLEL_DRAINS):
            deliver_due.enqueue()
    return created


@task(queue_name=QUEUE_DEFAULT)
def pickup_change_tell(**change) -> int:
    """A pickup day was corrected or cancelled (after its commit): tell who was told."""
    import datetime

    from notifications import occasions

    change["date"] = datetime.date.fromisoformat(change["date"])
    change["start_time"] = datetime.time.fromisoformat(change["start_time"])
    change["end_time"] = datetime.time.fromisoformat(change["end_time"])
    change["at"] = datetime.datetime.fromisoformat(change["at"])
    return occasions.pickup_change_tell(**change)


def kick() -> None:
    """New messages were committed: have workers drain them (called on commit)."""
    if has_waiting(deliver_due):
        return
    for _ in range(settings.NOTIFY_PARALLEL_DRAINS):
        deliver_due.enqueue()


@task(queue_name=QUEUE_DEFAULT)
def reply_send(inbound_id: int) -> str:
    """Answer an inbound SMS/WhatsApp (no quiet hours: the resident just asked)."""
    from django.utils import timezone

    from notifications.gateways.base import GatewayError, Outgoing
    from notifications.gateways.registry import gateway_for
    from notifications.models import InboundMessage

    row = InboundMessage.objects.get(pk=inbound_id)
    if row.reply_sent_at or not row.reply:
        return "done"
    try:
        provider_id = gateway_for(row.channel).send(
            Outgoing(to=row.sender, body=row.reply, idempotency_key=f"reply-{row.pk}")
        )
    except GatewayError as error:
        InboundMessage.objects.filter(pk=row.pk).update(reply_error=error.message)
        return "error"
    InboundMessage.objects.filter(pk=row.pk).update(
        reply_provider_id=provider_id[:128], reply_sent_at=timezone.now(), reply_error=""
    )
    return "sent"
