"""The worker's side: claim due messages, send each once, record what the provider said.

Exactly once, nothing lost (docs/notifications.md):
1. Claim: one conditional UPDATE marks up to ``batch`` due messages ``sending`` with a lease
   (``claimed_until``) and this worker's random ``claim_token``, and commits. Rows another
   worker holds are skipped (``SKIP LOCKED`` on PostgreSQL); the WHERE clause repeats the
   due condition, so two workers can never both win a row, on SQLite either.
2. Send, outside any transaction, with the message's idempotency key.
3. Record: an UPDATE ``WHERE id = .. AND claim_token = ..`` stores the provider's id.
A worker killed between 1 and 3 leaves the message ``sending``; when the lease expires any
worker claims it again and resends it with the same idempotency key, which the provider
folds into the first send. Nothing is lost (the row is there), nothing is doubled where the
provider honours the key.
"""

import datetime
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from distribution.models import PickupSchedule
from notifications import quiet, rendering
from notifications.gateways.base import GatewayError, Outgoing, PermanentError, TransientError
from notifications.gateways.registry import gateway_for
from notifications.models import (
    ChannelOptOut,
    Message,
    MessageState,
    Occasion,
    PickupChange,
)
from notifications.occasions import OCCASION_STATUS, allowed_channels
from notifications.phones import normalize_phone
from receipts.models import Receipt

logger = logging.getLogger("notifications.delivery")


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0

    def total(self) -> int:
        return self.sent + self.retried + self.failed + self.cancelled + self.deferred


class BatchContext:
    """What a batch of messages shares, read once per batch instead of once per message:
    the residents' opt-outs, the texts, the pickup days (a batch of 20 costs 3 queries
    here instead of 60)."""

    def __init__(self, messages: list[Message]):
        residents = {m.receipt.resident_id for m in messages}
        self.opted_out = set(
            ChannelOptOut.objects.filter(resident_id__in=residents).values_list(
                "resident_id", "channel"
            )
        )
        self.templates: dict[tuple[str, str, str], dict] = {}
        self.pickups: dict[tuple[int, int], object] = {}
        self.changes: dict[int, int] = {}

    def template(self, message: Message) -> dict:
        key = (message.occasion, message.channel, message.language)
        if key not in self.templates:
            self.templates[key] = rendering.template_for(
                occasion=message.occasion, channel=message.channel, language=message.language
            )
        return self.templates[key]

    def latest_change(self, change) -> int:
        """The id of the newest change of ``change``'s pickup day."""
        if change.schedule_id not in self.changes:
            self.changes[change.schedule_id] = (
                PickupChange.objects.filter(schedule_id=change.schedule_id)
                .order_by("-at", "-pk")
                .values_list("pk", flat=True)
                .first()
            )
        return self.changes[change.schedule_id]

    def pickup_day(self, receipt: Receipt):
        key = (receipt.collection_kecamatan_id, receipt.resident.kelurahan_id)
        if key not in self.pickups:
            self.pickups[key] = _pickup_day(receipt)
        return self.pickups[key]


def _due_filter(now: datetime.datetime) -> Q:
    return Q(state=MessageState.PENDING, next_attempt_at__lte=now) | Q(
        state=MessageState.SENDING, claimed_until__lt=now
    )


def messages_claim(*, batch: int, now=None) -> tuple[str, list[Message]]:
    """Claim up to ``batch`` due messages for this worker; return (token, messages)."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    lease = now + datetime.timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(_due_filter(now))
            .order_by("priority", "next_attempt_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return token, []
        Message.objects.filter(_due_filter(now), pk__in=ids).update(
            state=MessageState.SENDING,
            claimed_until=lease,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    claimed = list(
        Message.objects.filter(claim_token=token, state=MessageState.SENDING)
        .select_related("receipt__collection_kecamatan", "receipt__resident", "pickup_change")
        .order_by("next_attempt_at", "pk")
    )
    return token, claimed


def _finish(message: Message, token: str, **changes) -> bool:
    """Write the outcome if this worker still owns the claim; False if it lost it."""
    changes.setdefault("claim_token", "")
    changes.setdefault("claimed_until", None)
    return bool(Message.objects.filter(pk=message.pk, claim_token=token).update(**changes))


def backoff_seconds(attempts: int) -> float:
    """30 s, 2 min, 8 min, 32 min, ... capped at NOTIFY_BACKOFF_MAX_SECONDS."""
    base = settings.NOTIFY_BACKOFF_BASE_SECONDS
    return min(base * 4 ** max(attempts - 1, 0), settings.NOTIFY_BACKOFF_MAX_SECONDS)


def _pickup_day(receipt: Receipt):
    return (
        PickupSchedule.objects.filter(
            kecamatan_id=receipt.collection_kecamatan_id, date__gte=timezone.localdate()
        )
        .filter(Q(kelurahan_id=receipt.resident.kelurahan_id) | Q(kelurahan__isnull=True))
        .order_by("date", "start_time")
        .first()
    )


def _recipient(message: Message) -> str:
    resident = message.receipt.resident
    if message.channel == "email":
        return resident.email
    return normalize_phone(resident.phone)


def build_outgoing(message: Message, context: BatchContext | None = None) -> Outgoing:
    """Render the message. The text is stored with the outcome of its first attempt, so a
    retry resends exactly that text (only a worker killed mid-send renders it again)."""
    context = context or BatchContext([message])
    receipt = message.receipt
    template = context.template(message)
    schedule = context.pickup_day(receipt)
    change = message.pickup_change if message.pickup_change_id else None
    facts = rendering.facts_for(
        receipt=receipt, language=message.language, schedule=schedule, change=change
    )
    headers = {}
    if message.channel == "email":
        url = rendering.opt_out_url(resident_id=receipt.resident_id, channel="email")
        facts["berhenti"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
    if not message.body:
        if message.occasion == Occasion.READY and schedule is not None:
            # The ready message names the pickup day: no separate pickup-day message after it.
            Message.objects.bulk_create(
                [
                    Message(
                        receipt_id=receipt.pk,
                        occasion=Occasion.PICKUP_DAY,
                        channel=message.channel,
                        language=message.language,
                        state=MessageState.SKIPPED,
                        finished_at=timezone.now(),
                    )
                ],
                ignore_conflicts=True,
            )
        message.body = rendering.render(template["body"], facts)
        message.subject = rendering.render(template["subject"], facts)[:200]
        # Remember which day the text named: those told it are told again if it changes.
        if change is not None and change.change == "updated":
            message.schedule_id = change.schedule_id
        elif schedule is not None and rendering.names_schedule(template["body"]):
            message.schedule_id = schedule.pk
    return Outgoing(
        to=message.recipient,
        body=message.body,
        subject=message.subject,
        idempotency_key=str(message.idempotency_key),
        language=message.language,
        template=template["whatsapp_template"] if message.channel == "whatsapp" else "",
        parameters=rendering.render_parameters(template["body"], facts),
        headers=headers,
    )


def _wait_for_rate(gateway) -> None:
    """A fixed window of one second per provider, counted in the shared cache (Redis in
    production, so every worker on every host shares it; per process on local memory)."""
    rate = gateway.rate_per_second
    if not rate:
        return
    give_up = time.monotonic() + 5  # a clock that does not move (a frozen test) never blocks
    while time.monotonic() < give_up:
        now = time.time()
        key = f"notify:rate:{gateway.channel}:{int(now)}"
        cache.add(key, 0, timeout=5)
        try:
            count = cache.incr(key)
        except ValueError:
            count = 1
        if count <= rate:
            return
        time.sleep(max(0.0, 1 - (now % 1)) + 0.001)


def fallback_create(message: Message) -> Message | None:
    """After a permanent failure: the same occasion on the resident's next channel, if any."""
    resident = message.receipt.resident
    opted = ChannelOptOut.objects.filter(resident_id=resident.pk).values_list("channel", flat=True)
    channels = allowed_channels(phone=resident.phone, email=resident.email, opted_out=opted)
    if message.channel in channels:
        channels = channels[channels.index(message.channel) + 1 :]
    tried = set(
        Message.objects.filter(
            receipt_id=message.receipt_id,
            occasion=message.occasion,
            pickup_change_id=message.pickup_change_id,
        ).values_list("channel", flat=True)
    )
    for channel in channels:
        if channel in tried:
            continue
        fallback = Message.objects.bulk_create(
            [
                Message(
                    receipt_id=message.receipt_id,
                    occasion=message.occasion,
                    channel=channel,
                    priority=message.priority,
                    language=message.language,
                    pickup_change_id=message.pickup_change_id,
                    schedule_id=message.schedule_id if message.pickup_change_id else None,
                    next_attempt_at=quiet.next_allowed(),
                )
            ],
            ignore_conflicts=True,
        )
        return fallback[0]
    return None


def message_fail(message: Message, token: str, error: str) -> None:
    now = timezone.now()
    done = _finish(
        message,
        token,
        state=MessageState.FAILED,
        error=error[:500],
        finished_at=now,
        body=message.body,
        subject=message.subject,
        schedule_id=message.schedule_id,
    )
    if done:
        logger.warning("message %s failed on %s: %s", message.pk, message.channel, error)
        fallback_create(message)


def _skip_reason(message: Message, context: BatchContext) -> str:
    receipt = message.receipt
    if receipt.status != OCCASION_STATUS[Occasion(message.occasion)]:
        return "status resi berubah"
    if message.pickup_change_id and message.pickup_change_id != context.latest_change(
        message.pickup_change
    ):
        return "jadwal berubah lagi: yang terbaru yang dikirim"
    if (receipt.resident_id, message.channel) in context.opted_out:
        return "penduduk menolak pesan di saluran ini"
    if not message.recipient:
        return "tidak ada nomor/alamat yang sah"
    return ""


def deliver_one(
    message: Message, token: str, result: DrainResult, context: BatchContext | None = None
) -> None:
    context = context or BatchContext([message])
    now = timezone.now()
    if quiet.is_quiet(now):
        # The claim came at night (a retry due after 21:00): back to the queue until morning.
        _finish(
            message,
            token,
            state=MessageState.PENDING,
            next_attempt_at=quiet.next_allowed(now),
            attempts=F("attempts") - 1,
        )
        result.deferred += 1
        return
    message.recipient = _recipient(message)
    reason = _skip_reason(message, context)
    if reason:
        _finish(message, token, state=MessageState.CANCELLED, error=reason, finished_at=now)
        result.cancelled += 1
        return
    gateway = gateway_for(message.channel)
    try:
        outgoing = build_outgoing(message, context)
        _wait_for_rate(gateway)
        provider_id = gateway.send(outgoing)
    except TransientError as error:
        if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            message_fail(message, token, f"{error.message} (setelah {message.attempts} kali)")
            result.failed += 1
            return
        delay = max(error.retry_after or 0, backoff_seconds(message.attempts))
        _finish(
            message,
            token,
            state=MessageState.PENDING,
            error=error.message,
            body=message.body,
            subject=message.subject,
            schedule_id=message.schedule_id,
            next_attempt_at=quiet.next_allowed(now + datetime.timedelta(seconds=delay)),
        )
        result.retried += 1
        return
    except PermanentError as error:
        message_fail(message, token, error.message)
        result.failed += 1
        return
    except GatewayError as error:  # pragma: no cover - a gateway raising the base class
        message_fail(message, token, error.message)
        result.failed += 1
        return
    _finish(
        message,
        token,
        state=MessageState.SENT,
        body=message.body,
        subject=message.subject,
        schedule_id=message.schedule_id,
        provider_id=provider_id[:128],
        recipient=message.recipient,
        sent_at=timezone.now(),
        error="",
    )
    result.sent += 1


def drain(*, batch: int | None = None, seconds: float | None = None) -> DrainResult:
    """Send due messages until none is due or ``seconds`` have passed."""
    batch = batch or settings.NOTIFY_BATCH
    deadline = time.monotonic() + (seconds or settings.NOTIFY_DRAIN_SECONDS)
    result = DrainResult()
    while time.monotonic() < deadline:
        token, messages = messages_claim(batch=batch)
        if not messages:
            break
        context = BatchContext(messages)
        for message in messages:
            try:
                deliver_one(message, token, result, context)
            except Exception:
                # Unexpected (a bug, the database gone): the lease expires and it is retried.
                logger.exception("message %s: unexpected error", message.pk)
    return result


def due_count() -> int:
    return Message.objects.filter(_due_filter(timezone.now())).count()
