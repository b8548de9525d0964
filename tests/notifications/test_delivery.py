"""The worker's sending: real HTTP to a fake provider, real SMTP, retries, quiet hours."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import delivery
from notifications.gateways.registry import reset as registry_reset
from notifications.models import Message, MessageState
from receipts.models import Resident, Status
from receipts.services import receipt_transition

pytestmark = pytest.mark.django_db

DAYTIME = "2026-12-02 10:00:00+08:00"


@pytest.fixture
def ready_receipt(receipt, staff):
    """Siti's receipt, on its way; she gave a phone number and an e-mail at recording."""
    Resident.objects.filter(pk=receipt.resident_id).update(
        phone="0812 3456 7890", email="siti@example.test", address="Jl. Rahasia 7"
    )
    for to in (Status.QUEUED, Status.PRINTED, Status.DISPATCHED):
        receipt_transition(receipt=receipt, to=to, actor=staff)
    return receipt


def _make_ready(receipt, staff):
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff)
    return Message.objects.get(receipt=receipt, occasion="ready")


@time_machine.travel(DAYTIME, tick=False)
def test_ready_whatsapp_goes_to_the_cloud_api_as_a_template_with_the_office(
    ready_receipt, staff, provider, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _make_ready(ready_receipt, staff)
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.provider_id == "wamid.p-1"
    assert message.recipient == "+6281234567890"
    (request,) = provider.requests
    assert request["path"] == "/1055/messages"
    body = request["body"]
    assert body["to"] == "6281234567890"
    assert body["template"]["name"] == "ektp_ready"
    assert request["key"] == str(message.idempotency_key)
    params = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert "BPN1708010001" in params and "Balikpapan Selatan" in params
    assert "Senin–Jumat 08.00–15.00 WITA" in params


@time_machine.travel(DAYTIME, tick=False)
def test_no_message_carries_nik_birth_date_address_or_full_name(
    ready_receipt, staff, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _make_ready(ready_receipt, staff)
    message.refresh_from_db()
    resident = ready_receipt.resident
    resident.refresh_from_db()
    text = message.body + str(provider.requests)
    assert "proxy" not in text  # Indonesian by default
    assert "surat kuasa" in text and "KK" in text  # what a proxy brings
    for private in (resident.nik, resident.full_name, "Siti", "Wahyuni", "Rahasia", "1990"):
        assert private not in text


@time_machine.travel(DAYTIME, tick=False)
def test_429_and_500_are_retried_with_backoff_then_sent_once(ready_receipt, staff, provider):
    message = _make_ready(ready_receipt, staff)
    provider.script = [429, 500]
    delivery.drain(seconds=5)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.PENDING, 1)
    assert message.error.startswith("HTTP 429")
    assert message.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=30)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=31), tick=False):
        delivery.drain(seconds=5)
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error[:8]) == (
        MessageState.PENDING,
        2,
        "HTTP 500",
    )
    # Backoff grows: 30 s after the first failure, 120 s after the second.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60), tick=False):
        assert delivery.drain(seconds=5).total() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=200), tick=False):
        delivery.drain(seconds=5)
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.attempts == 3
    assert len(provider.requests) == 3 and len(provider.accepted) == 1


@time_machine.travel(DAYTIME, tick=False)
def test_a_slow_provider_is_a_timeout_and_retried(ready_receipt, staff, provider):
    message = _make_ready(ready_receipt, staff)
    provider.script = ["slow"]
    provider.slow_seconds = 2.0  # the gateway's timeout is 1 s
    delivery.drain(seconds=5)
    message.refresh_from_db()
    assert message.state == MessageState.PENDING
    assert "timed out" in message.error.lower() or "timeout" in message.error.lower()


@time_machine.travel(DAYTIME, tick=False)
def test_after_max_attempts_it_fails_and_falls_back_to_the_next_channel(
    ready_receipt, staff, provider, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    settings.NOTIFY_BACKOFF_BASE_SECONDS = 0
    message = _make_ready(ready_receipt, staff)
    provider.script = [500, 500]  # WhatsApp down; then the SMS goes through
    delivery.drain(seconds=5)
    delivery.drain(seconds=5)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert "HTTP 500" in message.error and "2 kali" in message.error
    sms = Message.objects.get(receipt=ready_receipt, occasion="ready", channel="sms")
    delivery.drain(seconds=5)
    sms.refresh_from_db()
    assert sms.state == MessageState.SENT
    assert provider.requests[-1]["path"] == "/sms"
    assert "Balas STOP" in provider.requests[-1]["body"]["text"]


@time_machine.travel(DAYTIME, tick=False)
def test_a_permanent_refusal_falls_back_at_once(ready_receipt, staff, provider):
    message = _make_ready(ready_receipt, staff)
    provider.script = [400]
    delivery.drain(seconds=5)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and message.attempts == 1
    assert Message.objects.filter(channel="sms", state=MessageState.SENT).count() == 1


@time_machine.travel(DAYTIME, tick=False)
def test_a_resend_after_a_crash_uses_the_same_idempotency_key(ready_receipt, staff, provider):
    """The worker died after the provider accepted but before our commit: the lease runs
    out, another worker sends again with the same key, the provider delivers once."""
    message = _make_ready(ready_receipt, staff)
    token, (claimed,) = delivery.messages_claim(batch=1)
    outgoing = delivery.build_outgoing(claimed)
    from notifications.gateways.registry import gateway_for

    claimed.recipient = "+6281234567890"
    gateway_for("whatsapp").send(delivery.build_outgoing(claimed))  # ...and the worker dies
    assert outgoing.idempotency_key == str(message.idempotency_key)
    assert delivery.drain(seconds=5).total() == 0  # the lease still holds
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=121), tick=False):
        assert delivery.drain(seconds=5).sent == 1
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.attempts == 2
    assert len(provider.requests) == 2 and provider.duplicates() == 0


def test_nothing_is_sent_at_night_it_waits_for_six_in_the_morning(ready_receipt, staff, provider):
    with time_machine.travel("2026-12-02 22:30:00+08:00", tick=False):
        message = _make_ready(ready_receipt, staff)
        assert delivery.drain(seconds=5).total() == 0
        message.refresh_from_db()
        assert message.state == MessageState.PENDING
        assert timezone.localtime(message.next_attempt_at).isoformat() == (
            "2026-12-03T06:00:00+08:00"
        )
    with time_machine.travel("2026-12-03 05:59:00+08:00", tick=False):
        assert delivery.drain(seconds=5).total() == 0
    with time_machine.travel("2026-12-03 06:00:30+08:00", tick=False):
        assert delivery.drain(seconds=5).sent == 1
    assert len(provider.requests) == 1


def test_a_retry_that_falls_due_at_night_waits_for_the_morning(ready_receipt, staff, provider):
    with time_machine.travel("2026-12-02 20:59:50+08:00", tick=False):
        message = _make_ready(ready_receipt, staff)
        provider.script = [500]
        delivery.drain(seconds=5)
    message.refresh_from_db()
    assert timezone.localtime(message.next_attempt_at).hour == 6
    with time_machine.travel("2026-12-02 23:00:00+08:00", tick=False):
        assert delivery.drain(seconds=5).total() == 0
    assert len(provider.requests) == 1


@time_machine.travel(DAYTIME, tick=False)
def test_email_goes_over_real_smtp_with_an_opt_out_link(receipt, staff, smtp, client):
    Resident.objects.filter(pk=receipt.resident_id).update(email="siti@example.test")
    for to in (Status.QUEUED, Status.PRINTED, Status.DISPATCHED, Status.READY):
        receipt_transition(receipt=receipt, to=to, actor=staff)
    assert delivery.drain(seconds=5).sent == 1
    (received,) = smtp.messages
    assert received["to"] == ["siti@example.test"]
    message = Message.objects.get()
    assert f"Message-ID: <{message.idempotency_key}@" in received["data"]
    assert "List-Unsubscribe:" in received["data"]
    assert "BPN1708010001" in received["data"]
    link = next(w for w in message.body.split() if "/pesan/berhenti/" in w)
    path = link.split("localhost:8000", 1)[1]
    assert client.get(path).status_code == 200  # a confirmation page, nothing changed yet
    assert client.post(path).status_code == 200
    from notifications.models import ChannelOptOut

    assert ChannelOptOut.objects.filter(resident=receipt.resident, channel="email").exists()


def test_a_forged_opt_out_link_is_refused(client):
    assert client.get("/pesan/berhenti/not-a-token/").status_code == 400


@time_machine.travel(DAYTIME, tick=False)
def test_the_log_gateway_writes_sms_and_whatsapp_to_the_log(ready_receipt, staff, caplog):
    caplog.set_level("INFO", logger="notifications.outbox")
    _make_ready(ready_receipt, staff)
    delivery.drain(seconds=5)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "notifications.outbox"]
    assert line.startswith("WHATSAPP to +6281234567890")
    assert "BPN1708010001" in line
    assert mail.outbox == []


@time_machine.travel(DAYTIME, tick=True)
def test_the_provider_rate_limit_spreads_sends_over_seconds(
    selatan, sepinggan, staff, provider, settings
):
    import time

    from tests.factories import ReceiptFactory

    settings.WHATSAPP_RATE_PER_SECOND = 2
    registry_reset()
    receipts = [
        ReceiptFactory(resident__kelurahan=sepinggan, status=Status.DISPATCHED) for _ in range(5)
    ]
    Resident.objects.filter(pk__in=[r.resident_id for r in receipts]).update(phone="081234567890")
    for receipt in receipts:
        receipt_transition(receipt=receipt, to=Status.READY, actor=staff)
    started = time.monotonic()
    assert delivery.drain(seconds=30).sent == 5
    # 2 per one-second window: the fifth send waits for the third window.
    assert time.monotonic() - started >= 1.0
    assert len(provider.accepted) == 5


def test_an_english_reader_gets_the_english_text(ready_receipt, staff, provider):
    from notifications.models import ResidentLanguage

    ResidentLanguage.objects.create(resident=ready_receipt.resident, language="en")
    with time_machine.travel(DAYTIME, tick=False):
        message = _make_ready(ready_receipt, staff)
        delivery.drain(seconds=5)
    message.refresh_from_db()
    assert message.language == "en"
    assert "is READY at the Balikpapan Selatan district office" in message.body
    assert provider.requests[0]["body"]["template"]["language"]["code"] == "en"
