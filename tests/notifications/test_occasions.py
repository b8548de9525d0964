"""Which status changes write messages: in the same transaction, once, on the right channel."""

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from distribution.services import dispatch_receive
from notifications.models import ChannelOptOut, ChannelOrder, Message, MessageState
from receipts.models import Resident, Status
from receipts.services import receipt_transition
from tests.factories import dispatched_cards

pytestmark = pytest.mark.django_db

DAYTIME = "2026-12-02 10:00:00+08:00"


def _with_contacts(cards, *, phone="0812-3456-7890", email=""):
    ids = [card.receipt.resident_id for card in cards]
    Resident.objects.filter(pk__in=ids).update(phone=phone, email=email)


@time_machine.travel(DAYTIME, tick=False)
def test_arrival_writes_one_ready_message_per_resident_with_a_phone(
    selatan, clerk_selatan, staff, django_capture_on_commit_callbacks
):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    _with_contacts(cards[:2])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch_receive(dispatch=dispatch, actor=clerk_selatan)
    messages = Message.objects.order_by("receipt_id")
    assert [(m.receipt_id, m.occasion, m.channel, m.state) for m in messages] == [
        (cards[0].receipt_id, "ready", "whatsapp", "pending"),
        (cards[1].receipt_id, "ready", "whatsapp", "pending"),
    ]
    # The drain is enqueued on commit, not before: a rolled-back arrival sends nothing.
    assert len(callbacks) == 1


def test_a_refused_arrival_writes_no_message(selatan, clerk_selatan, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    _with_contacts(cards)
    with pytest.raises(RuntimeError), transaction.atomic():
        dispatch_receive(dispatch=dispatch, actor=clerk_selatan)
        raise RuntimeError("the transaction of the status change fails later")
    assert Message.objects.count() == 0


def test_residents_without_phone_or_email_get_nothing(selatan, clerk_selatan, staff):
    dispatch, _cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    dispatch_receive(dispatch=dispatch, actor=clerk_selatan)
    assert Message.objects.count() == 0


def test_staff_channel_order_and_opt_outs_choose_the_channel(selatan, clerk_selatan, staff):
    ChannelOrder.objects.create(pk=1, order="sms,email,whatsapp")
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    _with_contacts(cards, email="warga@example.test")
    ChannelOptOut.objects.create(resident=cards[1].receipt.resident, channel="sms", source="t")
    Resident.objects.filter(pk=cards[2].receipt.resident_id).update(phone="")
    dispatch_receive(dispatch=dispatch, actor=clerk_selatan)
    channels = dict(Message.objects.values_list("receipt_id", "channel"))
    assert channels == {
        cards[0].receipt_id: "sms",
        cards[1].receipt_id: "email",
        cards[2].receipt_id: "email",
    }


def test_the_same_occasion_again_does_not_write_a_second_message(receipt, staff):
    Resident.objects.filter(pk=receipt.resident_id).update(phone="081234567890")
    for to in (Status.QUEUED, Status.PRINTED, Status.DISPATCHED, Status.READY, Status.ON_HOLD):
        receipt_transition(receipt=receipt, to=to, actor=staff)
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff)  # data problem solved
    assert sorted(Message.objects.values_list("occasion", flat=True)) == ["on_hold", "ready"]


@time_machine.travel(DAYTIME, tick=False)
def test_on_hold_cancels_the_pending_ready_message(receipt, staff):
    Resident.objects.filter(pk=receipt.resident_id).update(phone="081234567890")
    for to in (Status.QUEUED, Status.PRINTED, Status.DISPATCHED, Status.READY):
        receipt_transition(receipt=receipt, to=to, actor=staff)
    ready = Message.objects.get(occasion="ready")
    # Held back on purpose (e.g. the night): still pending when the receipt goes on hold.
    Message.objects.filter(pk=ready.pk).update(state=MessageState.PENDING)
    receipt_transition(receipt=receipt, to=Status.ON_HOLD, actor=staff)
    ready.refresh_from_db()
    assert ready.state == MessageState.CANCELLED
    assert Message.objects.filter(occasion="on_hold").count() == 1


def test_undoing_a_hand_over_sends_no_second_ready_message(receipt, staff):
    Resident.objects.filter(pk=receipt.resident_id).update(phone="081234567890")
    for to in (Status.QUEUED, Status.PRINTED, Status.DISPATCHED, Status.READY, Status.COLLECTED):
        receipt_transition(receipt=receipt, to=to, actor=staff)
    Message.objects.all().delete()
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff)
    assert Message.objects.count() == 0


def test_an_arrival_writes_its_messages_in_a_constant_number_of_queries(
    selatan, clerk_selatan, staff
):
    warm, _ = dispatched_cards(kecamatan=selatan, count=1, sent_by=staff)
    small, small_cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    big, big_cards = dispatched_cards(kecamatan=selatan, count=30, sent_by=staff)
    _with_contacts(small_cards + big_cards)
    dispatch_receive(dispatch=warm, actor=clerk_selatan)  # the actor's permissions get cached
    with CaptureQueriesContext(connection) as few:
        dispatch_receive(dispatch=small, actor=clerk_selatan)
    with CaptureQueriesContext(connection) as many:
        dispatch_receive(dispatch=big, actor=clerk_selatan)
    assert Message.objects.count() == 32
    assert len(many.captured_queries) == len(few.captured_queries)
