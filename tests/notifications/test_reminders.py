"""The periodic tick: pickup days, the day-before reminder, uncollected cards; once each."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from distribution.models import PickupSchedule
from notifications import delivery, reminders
from notifications.models import Message, MessageState
from receipts.models import Receipt, Resident, Status
from tests.factories import ReceiptFactory

pytestmark = pytest.mark.django_db

NOW = "2026-12-02 10:00:00+08:00"


def _ready(kelurahan, *, days_ago=0, phone="081234567890"):
    receipt = ReceiptFactory(resident__kelurahan=kelurahan, status=Status.READY)
    Resident.objects.filter(pk=receipt.resident_id).update(phone=phone)
    Receipt.objects.filter(pk=receipt.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=days_ago, hours=1)
    )
    return receipt


def _schedule(kelurahan, date):
    return PickupSchedule.objects.create(
        kecamatan=kelurahan.kecamatan,
        kelurahan=kelurahan,
        date=date,
        start_time=datetime.time(8),
        end_time=datetime.time(12),
    )


def _occasions():
    return sorted(Message.objects.values_list("receipt__number", "occasion"))


@time_machine.travel(NOW, tick=False)
def test_a_published_pickup_day_tells_the_residents_of_that_kelurahan_whose_card_is_there(
    sepinggan, prapatan
):
    here = _ready(sepinggan)
    elsewhere = _ready(prapatan)
    Message.objects.all().delete()
    _schedule(sepinggan, datetime.date(2026, 12, 7))
    reminders.reminders_create()
    reminders.reminders_create()  # a second tick writes nothing more
    assert _occasions() == [(here.number, "pickup_day")]
    assert elsewhere.number not in str(_occasions())


@time_machine.travel(NOW, tick=False)
def test_the_day_before_the_pickup_day_a_reminder_is_written(sepinggan):
    receipt = _ready(sepinggan)
    _schedule(sepinggan, datetime.date(2026, 12, 3))
    reminders.reminders_create()
    assert _occasions() == [(receipt.number, "pickup_reminder")]


@time_machine.travel(NOW, tick=False)
def test_a_ready_message_that_names_the_pickup_day_replaces_the_pickup_day_message(
    sepinggan, staff, settings
):
    from receipts.services import receipt_transition

    receipt = ReceiptFactory(resident__kelurahan=sepinggan, status=Status.DISPATCHED)
    Resident.objects.filter(pk=receipt.resident_id).update(phone="081234567890")
    _schedule(sepinggan, datetime.date(2026, 12, 7))
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff)
    reminders.reminders_create()  # the ready message is still waiting: no second message
    assert _occasions() == [(receipt.number, "ready")]
    delivery.drain(seconds=5)
    ready = Message.objects.get(occasion="ready")
    assert "7 Desember 2026" in ready.body
    reminders.reminders_create()
    states = dict(Message.objects.values_list("occasion", "state"))
    assert states == {"ready": MessageState.SENT, "pickup_day": MessageState.SKIPPED}


@time_machine.travel(NOW, tick=False)
def test_uncollected_cards_are_reminded_after_14_and_30_days(sepinggan, settings):
    assert settings.NOTIFY_UNCOLLECTED_DAYS == [14, 30]
    fresh = _ready(sepinggan, days_ago=3)
    two_weeks = _ready(sepinggan, days_ago=14)
    month = _ready(sepinggan, days_ago=30)
    ancient = _ready(sepinggan, days_ago=400)  # waited long before notifications existed
    reminders.reminders_create()
    assert _occasions() == sorted(
        [(two_weeks.number, "uncollected_1"), (month.number, "uncollected_2")]
    )
    assert fresh.number not in str(_occasions()) and ancient.number not in str(_occasions())


@time_machine.travel(NOW, tick=False)
def test_the_uncollected_reminder_says_how_long_the_card_has_waited(sepinggan):
    _ready(sepinggan, days_ago=14)
    reminders.reminders_create()
    delivery.drain(seconds=5)
    assert "sudah 14 hari menunggu" in Message.objects.get().body
