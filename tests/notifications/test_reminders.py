"""The periodic tick: pickup days, the day-before reminder, uncollected cards; once each."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from distribution.models import PickupSchedule
from distribution.services import PickupEntry, pickup_schedule_publish
from notifications import delivery, reminders
from notifications.models import Message, MessageState
from receipts.models import Receipt, Resident, Status
from tests.factories import ReceiptFactory

pytestmark = pytest.mark.django_db

NOW = "2026-12-02 10:00:00+08:00"


def _ready(kelurahan, *, days_ago=0, phone="081234567890", told=True):
    """A card at the counter for ``days_ago`` days; ``told``: its ready message went out."""
    receipt = ReceiptFactory(resident__kelurahan=kelurahan, status=Status.READY)
    Resident.objects.filter(pk=receipt.resident_id).update(phone=phone)
    Receipt.objects.filter(pk=receipt.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=days_ago, hours=1)
    )
    if told:
        Message.objects.create(
            receipt=receipt, occasion="ready", channel="whatsapp", state=MessageState.SENT
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
    return sorted(
        Message.objects.exclude(occasion="ready").values_list("receipt__number", "occasion")
    )


@time_machine.travel(NOW, tick=False)
def test_a_published_pickup_day_tells_the_residents_of_that_kelurahan_whose_card_is_there(
    selatan, sepinggan, prapatan, staff
):
    here = _ready(sepinggan, told=False)
    elsewhere = _ready(prapatan, told=False)
    ReceiptFactory(resident__kelurahan=sepinggan, status=Status.DISPATCHED)  # not there yet
    entry = PickupEntry(
        kelurahan=sepinggan,
        date=datetime.date(2026, 12, 7),
        start_time=datetime.time(8),
        end_time=datetime.time(12),
    )
    pickup_schedule_publish(kecamatan=selatan, entries=[entry], actor=staff)
    reminders.reminders_create()  # the tick does not repeat it
    assert _occasions() == [(here.number, "pickup_day")]
    assert elsewhere.number not in str(_occasions())
    delivery.drain(seconds=5)
    assert "Senin, 7 Desember 2026 08.00-12.00" in Message.objects.get().body


@time_machine.travel(NOW, tick=False)
def test_cards_waiting_before_notifications_existed_get_no_late_reminders(sepinggan):
    _ready(sepinggan, days_ago=14, told=False)
    _schedule(sepinggan, datetime.date(2026, 12, 3))
    reminders.reminders_create()
    assert Message.objects.count() == 0


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
    assert "sudah 14 hari menunggu" in Message.objects.get(occasion="uncollected_1").body
