"""Status by SMS/WhatsApp and STOP: signed webhooks, answered, replays and forgeries refused."""

import hashlib
import hmac
import json
import time

import pytest
import time_machine
from django.core.cache import cache

from notifications.models import ChannelOptOut, ConsentEvent, InboundMessage, Message
from receipts.models import Resident, Status
from receipts.services import receipt_transition
from tests.factories import ReceiptFactory

pytestmark = pytest.mark.django_db

DAYTIME = "2026-12-02 10:00:00+08:00"
SMS_SECRET = "sms-webhook-secret"  # noqa: S105
APP_SECRET = "meta-app-secret"  # noqa: S105


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.SMS_WEBHOOK_SECRET = SMS_SECRET
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"  # noqa: S105
    cache.clear()


def sms_post(client, payload, *, secret=SMS_SECRET, stamp=None, path="/pesan/webhook/sms/"):
    body = json.dumps(payload).encode()
    stamp = str(int(stamp if stamp is not None else time.time()))
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return client.post(
        path,
        body,
        content_type="application/json",
        headers={"X-Timestamp": stamp, "X-Signature": "sha256=" + signature.hexdigest()},
    )


def wa_payload(text, *, sender="6281234567890", message_id="wamid.in1"):
    message = {"from": sender, "id": message_id, "type": "text", "text": {"body": text}}
    return {"entry": [{"changes": [{"value": {"messages": [message]}}]}]}


def wa_post(client, payload, *, secret=APP_SECRET):
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/pesan/webhook/whatsapp/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": "sha256=" + signature},
    )


@pytest.fixture
def ready_receipt(selatan, sepinggan, staff):
    selatan.counter_hours = "Senin-Jumat 08.00-15.00 WITA"
    selatan.save()
    receipt = ReceiptFactory(
        resident__kelurahan=sepinggan, number="BPN1708050123", status=Status.DISPATCHED
    )
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff)
    return receipt


@pytest.mark.parametrize(
    "text",
    ["KTP BPN-170805-0123", "ktp bpn 170805 0123", "Cek BPN1708050123", "CEK: bpn-1708050123"],
)
def test_an_sms_asking_for_a_receipt_is_answered_with_its_public_facts(
    client, ready_receipt, text, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level("INFO", logger="notifications.outbox")
    with django_capture_on_commit_callbacks(execute=True):
        response = sms_post(client, {"id": f"in-{text}", "from": "0812-9999-0000", "text": text})
    assert response.status_code == 200
    row = InboundMessage.objects.get()
    assert row.sender == "+6281299990000"
    assert "BPN1708050123: Siap diambil" in row.reply
    assert "Balikpapan Selatan" in row.reply and "08.00-15.00" in row.reply
    assert "surat kuasa" in row.reply
    assert ready_receipt.resident.full_name not in row.reply
    # The answer went out through the SMS gateway (the log in this test), by the worker.
    row.refresh_from_db()
    assert row.reply_sent_at is not None
    assert any("SMS to +6281299990000" in r.getMessage() for r in caplog.records)


def test_anything_else_gets_the_help_text_and_an_unknown_number_says_so(client, db):
    sms_post(client, {"id": "a", "from": "081299990000", "text": "halo"})
    sms_post(client, {"id": "b", "from": "081299990000", "text": "KTP ZZZ9999999"})
    sms_post(client, {"id": "c", "from": "081299990000", "text": "KTP !!"})
    replies = list(InboundMessage.objects.order_by("pk").values_list("reply", flat=True))
    assert replies[0].startswith("Layanan e-KTP") and "KTP <nomor resi>" in replies[0]
    assert "ZZZ9999999 tidak ditemukan" in replies[1]
    assert replies[2].startswith("Nomor resi tidak sah")


def test_a_forged_sms_webhook_is_refused_and_changes_nothing(client, ready_receipt):
    response = sms_post(client, {"id": "x", "from": "0812", "text": "STOP"}, secret="guess")
    assert response.status_code == 403
    no_signature = client.post(
        "/pesan/webhook/sms/", b'{"id": "y"}', content_type="application/json"
    )
    assert no_signature.status_code == 403
    assert InboundMessage.objects.count() == 0 and ChannelOptOut.objects.count() == 0


def test_a_replayed_sms_webhook_is_refused(client, ready_receipt):
    payload = {"id": "in-1", "from": "081299990000", "text": "KTP BPN1708050123"}
    assert sms_post(client, payload).status_code == 200
    assert sms_post(client, payload).status_code == 403  # same provider id: a replay
    old = sms_post(client, {**payload, "id": "in-2"}, stamp=time.time() - 3600)
    assert old.status_code == 403  # a captured request resent an hour later
    assert InboundMessage.objects.count() == 1


def test_inbound_is_rate_limited_per_sender(client, ready_receipt, settings):
    settings.NOTIFY_INBOUND_PER_MINUTE = 3
    codes = [
        sms_post(client, {"id": f"r{i}", "from": "081299990000", "text": "KTP X"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    other = sms_post(client, {"id": "o", "from": "081277770000", "text": "KTP X"})
    assert other.status_code == 200
    assert InboundMessage.objects.count() == 4


@time_machine.travel(DAYTIME, tick=False)
def test_stop_by_sms_opts_out_of_sms_at_once_and_cancels_what_waits(
    client, selatan, sepinggan, staff
):
    receipt = ReceiptFactory(resident__kelurahan=sepinggan, status=Status.DISPATCHED)
    Resident.objects.filter(pk=receipt.resident_id).update(phone="081234567890")
    from notifications.models import ChannelOrder

    ChannelOrder.objects.create(pk=1, order="sms,whatsapp,email")
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff)
    waiting = Message.objects.get()
    assert (waiting.channel, waiting.state) == ("sms", "pending")
    response = sms_post(client, {"id": "s1", "from": "+62 812-3456-7890", "text": " stop "})
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.state == "cancelled"
    assert ChannelOptOut.objects.filter(resident_id=receipt.resident_id, channel="sms").exists()
    event = ConsentEvent.objects.get()
    assert (event.action, event.channel, event.source) == ("opt_out", "sms", "sms_stop")
    # The next occasion skips SMS and uses WhatsApp.
    receipt_transition(receipt=receipt, to=Status.ON_HOLD, actor=staff)
    assert Message.objects.get(occasion="on_hold").channel == "whatsapp"


def test_whatsapp_inbound_with_metas_signature_is_answered(client, ready_receipt):
    response = wa_post(client, wa_payload("ktp bpn-170805-0123"))
    assert response.status_code == 200
    row = InboundMessage.objects.get()
    assert row.channel == "whatsapp" and "Siap diambil" in row.reply


def test_whatsapp_forged_or_replayed_is_refused(client, ready_receipt):
    assert wa_post(client, wa_payload("STOP"), secret="wrong").status_code == 403
    assert InboundMessage.objects.count() == 0
    assert wa_post(client, wa_payload("KTP BPN1708050123")).status_code == 200
    assert wa_post(client, wa_payload("KTP BPN1708050123")).status_code == 403
    assert InboundMessage.objects.count() == 1


def test_whatsapp_handshake_needs_the_verify_token(client, db):
    ok = client.get(
        "/pesan/webhook/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"},
    )
    assert (ok.status_code, ok.content) == (200, b"42")
    bad = client.get(
        "/pesan/webhook/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"},
    )
    assert bad.status_code == 403


@time_machine.travel(DAYTIME, tick=False)
def test_a_failed_delivery_report_falls_back_to_the_next_channel(
    client, sepinggan, staff, django_capture_on_commit_callbacks
):
    from notifications import delivery

    receipt = ReceiptFactory(resident__kelurahan=sepinggan, status=Status.DISPATCHED)
    Resident.objects.filter(pk=receipt.resident_id).update(phone="081234567890")
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff)
    delivery.drain(seconds=5)
    whatsapp = Message.objects.get(channel="whatsapp")
    status = {"id": whatsapp.provider_id, "status": "failed", "errors": [{"title": "no WA"}]}
    payload = {"entry": [{"changes": [{"value": {"statuses": [status]}}]}]}
    with django_capture_on_commit_callbacks(execute=True):
        assert wa_post(client, payload).status_code == 200
    whatsapp.refresh_from_db()
    assert (whatsapp.state, whatsapp.error) == ("failed", "no WA")
    sms = Message.objects.get(channel="sms")
    assert sms.state == "sent"  # the fallback was drained on commit
    report = sms_post(
        client, {"id": sms.provider_id, "status": "delivered"}, path="/pesan/webhook/sms/status/"
    )
    assert report.json() == {"updated": 1}
    sms.refresh_from_db()
    assert sms.state == "delivered" and sms.delivered_at is not None
