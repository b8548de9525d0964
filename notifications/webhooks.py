"""Providers call these: inbound messages and delivery reports, signature verified.

- Generic SMS gateway: ``X-Timestamp`` (unix seconds) and ``X-Signature: sha256=<hex>``, an
  HMAC-SHA256 of ``"<timestamp>.<raw body>"`` with SMS_WEBHOOK_SECRET. Older than
  NOTIFY_WEBHOOK_MAX_AGE_SECONDS, or a message id seen before: 403 (a replay).
- WhatsApp Cloud API: ``X-Hub-Signature-256: sha256=<hex>``, an HMAC-SHA256 of the raw body
  with WHATSAPP_APP_SECRET (Meta's scheme); the GET handshake checks WHATSAPP_VERIFY_TOKEN. A
  message id (wamid) seen before: 403.
A refused request changes nothing. Answers are sent by the worker (notifications.tasks).
"""

import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from disdukcapil import ratelimit
from notifications import consent, inbound
from notifications.models import InboundMessage, Message, MessageState
from notifications.phones import normalize_phone

logger = logging.getLogger("notifications.webhooks")


def _hmac_ok(secret: str, payload: bytes, header: str) -> bool:
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :])


def sms_signature_ok(request) -> bool:
    stamp = request.headers.get("X-Timestamp", "")
    try:
        age = abs(time.time() - int(stamp))
    except ValueError:
        return False
    if age > settings.NOTIFY_WEBHOOK_MAX_AGE_SECONDS:
        return False
    payload = stamp.encode() + b"." + request.body
    return _hmac_ok(settings.SMS_WEBHOOK_SECRET, payload, request.headers.get("X-Signature", ""))


def _json(request) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _over_limit(channel: str, sender: str) -> bool:
    windows = [
        ratelimit.Window(60, settings.NOTIFY_INBOUND_PER_MINUTE),
        ratelimit.Window(3600, settings.NOTIFY_INBOUND_PER_HOUR),
    ]
    return not ratelimit.hit(f"inbound-{channel}", sender, windows).allowed


def inbound_receive(*, channel: str, provider_message_id: str, sender: str, text: str) -> str:
    """Record an inbound message and queue the answer; "replay", "limited" or "ok"."""
    from notifications import tasks

    sender = normalize_phone(sender) or sender[:30]
    if _over_limit(channel, sender):
        return "limited"
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                channel=channel,
                provider_message_id=provider_message_id[:128],
                sender=sender[:30],
                text=(text or "")[:500],
            )
            if inbound.is_stop(text):
                consent.phone_opt_out(phone=sender, channel=channel, source=f"{channel}_stop")
                row.reply = _stop_reply()
            else:
                row.reply = inbound.answer(text)
            row.save(update_fields=["reply"])
            transaction.on_commit(lambda: tasks.reply_send.enqueue(row.pk))
    except IntegrityError:
        return "replay"
    return "ok"


def _stop_reply() -> str:
    from django.utils.translation import gettext as _

    return _("Anda tidak akan menerima pesan e-KTP lagi di nomor ini.")


@csrf_exempt
@require_POST
def sms_inbound(request):
    if not sms_signature_ok(request):
        return HttpResponseForbidden("bad signature")
    data = _json(request)
    if not data or not data.get("id") or not data.get("from"):
        return JsonResponse({"error": "id, from and text are required"}, status=400)
    outcome = inbound_receive(
        channel="sms",
        provider_message_id=str(data["id"]),
        sender=str(data["from"]),
        text=str(data.get("text", "")),
    )
    if outcome == "replay":
        return HttpResponseForbidden("replayed")
    if outcome == "limited":
        return JsonResponse({"error": "too many messages"}, status=429)
    return JsonResponse({"ok": True})


def status_update(*, channel: str, provider_id: str, status: str, error: str = "") -> int:
    """A delivery report: delivered, or failed (then the next channel is tried)."""
    from notifications.delivery import fallback_create

    now = timezone.now()
    status = status.lower()
    if status in ("delivered", "read"):
        return Message.objects.filter(
            channel=channel, provider_id=provider_id, state=MessageState.SENT
        ).update(state=MessageState.DELIVERED, delivered_at=now, finished_at=now)
    if status in ("failed", "undelivered", "rejected"):
        with transaction.atomic():
            messages = list(
                Message.objects.select_for_update()
                .select_related("receipt__resident")
                .filter(
                    channel=channel,
                    provider_id=provider_id,
                    state__in=[MessageState.SENT, MessageState.DELIVERED],
                )
            )
            for message in messages:
                message.state = MessageState.FAILED
                message.error = (error or status)[:500]
                message.finished_at = now
                message.save(update_fields=["state", "error", "finished_at"])
                fallback_create(message)
            if messages:
                from notifications import tasks

                transaction.on_commit(tasks.kick)
        return len(messages)
    return 0


@csrf_exempt
@require_POST
def sms_status(request):
    if not sms_signature_ok(request):
        return HttpResponseForbidden("bad signature")
    data = _json(request)
    if not data or not data.get("id") or not data.get("status"):
        return JsonResponse({"error": "id and status are required"}, status=400)
    updated = status_update(
        channel="sms",
        provider_id=str(data["id"]),
        status=str(data["status"]),
        error=str(data.get("error", "")),
    )
    return JsonResponse({"updated": updated})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp(request):
    if request.method == "GET":
        # Meta's subscription handshake.
        token = request.GET.get("hub.verify_token", "")
        expected = settings.WHATSAPP_VERIFY_TOKEN
        if (
            request.GET.get("hub.mode") == "subscribe"
            and expected
            and hmac.compare_digest(token, expected)
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("bad verify token")
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not _hmac_ok(settings.WHATSAPP_APP_SECRET, request.body, signature):
        return HttpResponseForbidden("bad signature")
    data = _json(request)
    if data is None:
        return JsonResponse({"error": "JSON expected"}, status=400)
    replayed = limited = False
    for entry in data.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            for status in value.get("statuses") or []:
                errors = status.get("errors") or [{}]
                status_update(
                    channel="whatsapp",
                    provider_id=str(status.get("id", "")),
                    status=str(status.get("status", "")),
                    error=str(errors[0].get("title", "")),
                )
            for message in value.get("messages") or []:
                text = ((message.get("text") or {}).get("body")) or ""
                outcome = inbound_receive(
                    channel="whatsapp",
                    provider_message_id=str(message.get("id", "")),
                    sender=str(message.get("from", "")),
                    text=text,
                )
                replayed |= outcome == "replay"
                limited |= outcome == "limited"
    if replayed:
        return HttpResponseForbidden("replayed")
    if limited:
        return JsonResponse({"error": "too many messages"}, status=429)
    return JsonResponse({"ok": True})
