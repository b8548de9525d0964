"""A corrected or cancelled pickup day is told again to the residents who were told it: once,
the latest version, through the worker after the commit, on their channel, outside quiet hours."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from distribution.services import (
    PickupEntry,
    pickup_schedule_cancel,
    pickup_schedule_publish,
    pickup_schedule_update,
)
from notifications import delivery
from notifications.models import ChannelOptOut, Message, MessageState, PickupChange
from receipts.models import Receipt, Resident, Status
from tests.factories import ReceiptFactory

pytestmark = pytest.mark.django_db

WITA = datetime.timezone(datetime.timedelta(hours=8))
# Wednesday 2 December 2026, 10:00 WITA; Monday the 7th, Wednesday the 9th, Monday the 14th.
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=WITA)
MONDAY, WEDNESDAY = datetime.date(2026, 12, 7), datetime.date(2026, 12, 9)
NEXT_MONDAY = datetime.date(2026, 12, 14)
AFTER_HOLD = datetime.timedelta(minutes=6)  # NOTIFY_PICKUP_CHANGE_HOLD_SECONDS is 300


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _ready(kelurahan, phone="081234567890"):
    receipt = ReceiptFactory(resident__kelurahan=kelurahan, status=Status.READY)
    Resident.objects.filter(pk=receipt.resident_id).update(phone=phone)
    return receipt


def _publish(kecamatan, kelurahan, date, staff):
    entry = PickupEntry(
        kelurahan=kelurahan,
        date=date,
        start_time=datetime.time(8),
        end_time=datetime.time(12),
        place="Aula Kecamatan",
    )
    [schedule] = pickup_schedule_publish(kecamatan=kecamatan, entries=[entry], actor=staff)
    return schedule


@pytest.fixture
def told(selatan, sepinggan, staff):
    """Two residents told the Monday of Sepinggan (their pickup_day message was sent)."""
    receipts = [_ready(sepinggan), _ready(sepinggan)]
    schedule = _publish(selatan, sepinggan, MONDAY, staff)
    delivery.drain(seconds=5)
    sent = Message.objects.filter(occasion="pickup_day", state=MessageState.SENT)
    assert {m.receipt_id: m.schedule_id for m in sent} == {r.pk: schedule.pk for r in receipts}
    return schedule, receipts


def _changes():
    return sorted(
        Message.objects.filter(occasion__in=["pickup_changed", "pickup_cancelled"]).values_list(
            "receipt_id", "occasion", "state"
        )
    )


def _edit(staff_client, schedule, date=WEDNESDAY, place="Aula Baru Kecamatan"):
    return staff_client.post(
        reverse("staf:pickup_day_edit", args=[schedule.pk]),
        {"date": date.isoformat(), "start_time": "09:00", "end_time": "13:00", "place": place},
    )


def test_a_corrected_day_is_told_once_to_those_told_with_the_new_date_and_place(
    told, sepinggan, staff_client, wednesday, django_capture_on_commit_callbacks
):
    schedule, receipts = told
    not_told = _ready(sepinggan)  # ready after the day's messages went out
    # Told, but the card left "ready" since (held at Disdukcapil): nothing to tell.
    Receipt.objects.filter(pk=receipts[1].pk).update(status=Status.ON_HOLD)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert _edit(staff_client, schedule).status_code == 302
    assert callbacks, "the residents are told only after the commit"
    assert _changes() == [(receipts[0].pk, "pickup_changed", "pending")]
    assert not_told.pk not in {r for r, _o, _s in _changes()}
    message = Message.objects.get(occasion="pickup_changed")
    # Held a few minutes: a second correction meanwhile replaces it (see the next tests).
    assert message.next_attempt_at == NOW + datetime.timedelta(seconds=300)
    assert delivery.drain(seconds=5).sent == 0
    wednesday.shift(AFTER_HOLD)
    assert delivery.drain(seconds=5).sent == 1
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert "Rabu, 9 Desember 2026 09.00-13.00" in message.body
    assert "Aula Baru Kecamatan" in message.body and "PERUBAHAN" in message.body
    assert message.schedule_id == schedule.pk  # told the new day: told again if it changes


def test_the_edit_form_sent_twice_gives_one_message_each(
    told, staff_client, django_capture_on_commit_callbacks
):
    schedule, receipts = told
    with django_capture_on_commit_callbacks(execute=True):
        assert _edit(staff_client, schedule).status_code == 302
        assert _edit(staff_client, schedule).status_code == 302
    assert _changes() == sorted((r.pk, "pickup_changed", "pending") for r in receipts)
    assert PickupChange.objects.count() == 1


def test_a_day_corrected_twice_quickly_sends_only_the_latest(
    told, staff_client, wednesday, django_capture_on_commit_callbacks
):
    schedule, receipts = told
    with django_capture_on_commit_callbacks(execute=True):
        _edit(staff_client, schedule, date=WEDNESDAY)
    wednesday.shift(datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        _edit(staff_client, schedule, date=NEXT_MONDAY)
    wednesday.shift(AFTER_HOLD)
    delivery.drain(seconds=5)
    sent = Message.objects.filter(occasion="pickup_changed", state=MessageState.SENT)
    assert sorted(m.receipt_id for m in sent) == sorted(r.pk for r in receipts)
    assert all("14 Desember 2026" in m.body and "9 Desember" not in m.body for m in sent)
    replaced = Message.objects.filter(occasion="pickup_changed", state=MessageState.CANCELLED)
    assert replaced.count() == 2


def test_a_correction_after_the_first_was_sent_is_told_again(
    told, staff, wednesday, django_capture_on_commit_callbacks
):
    schedule, receipts = told
    for date in (WEDNESDAY, NEXT_MONDAY):
        with django_capture_on_commit_callbacks(execute=True):
            pickup_schedule_update(
                schedule=schedule,
                actor=staff,
                date=date,
                start_time=datetime.time(8),
                end_time=datetime.time(12),
                place="Aula Kecamatan",
            )
        wednesday.shift(AFTER_HOLD)
        delivery.drain(seconds=5)
    bodies = sorted(
        Message.objects.filter(receipt=receipts[0], occasion="pickup_changed").values_list(
            "body", flat=True
        )
    )
    assert len(bodies) == 2
    assert "9 Desember" in bodies[0] + bodies[1] and "14 Desember" in bodies[0] + bodies[1]


def test_a_cancelled_day_says_cancelled_and_names_the_next_day(
    told, selatan, sepinggan, staff, staff_client, wednesday, django_capture_on_commit_callbacks
):
    schedule, receipts = told
    later = _publish(selatan, sepinggan, NEXT_MONDAY, staff)
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("staf:pickup_day_cancel", args=[schedule.pk])
        assert staff_client.post(url, {"konfirmasi": "1"}).status_code == 302
    assert _changes() == sorted((r.pk, "pickup_cancelled", "pending") for r in receipts)
    wednesday.shift(AFTER_HOLD)
    delivery.drain(seconds=5)
    message = Message.objects.get(receipt=receipts[0], occasion="pickup_cancelled")
    assert message.state == MessageState.SENT
    assert "Senin, 7 Desember 2026 08.00-12.00" in message.body
    assert "DIBATALKAN" in message.body
    assert "Jadwal berikutnya: Senin, 14 Desember 2026 08.00-12.00 di Aula Kecamatan" in (
        message.body
    )
    assert message.schedule_id == later.pk  # they were told the next day now


def test_a_cancel_after_a_correction_replaces_it_and_without_a_next_day_says_so(
    told, staff, wednesday, django_capture_on_commit_callbacks
):
    schedule, receipts = told
    with django_capture_on_commit_callbacks(execute=True):
        pickup_schedule_update(
            schedule=schedule,
            actor=staff,
            date=WEDNESDAY,
            start_time=datetime.time(8),
            end_time=datetime.time(12),
            place="Aula",
        )
    with django_capture_on_commit_callbacks(execute=True):
        pickup_schedule_cancel(schedule=schedule, actor=staff)
    wednesday.shift(AFTER_HOLD)
    delivery.drain(seconds=5)
    assert _changes() == sorted(
        [(r.pk, "pickup_changed", "cancelled") for r in receipts]
        + [(r.pk, "pickup_cancelled", "sent") for r in receipts]
    )
    body = Message.objects.filter(occasion="pickup_cancelled").first().body
    assert "Rabu, 9 Desember 2026" in body  # the day as it was when cancelled
    assert "Jadwal baru akan diberitahukan" in body


def test_a_resident_not_told_and_one_opted_out_get_nothing(
    selatan, sepinggan, staff, django_capture_on_commit_callbacks
):
    schedule = _publish(selatan, sepinggan, MONDAY, staff)
    _ready(sepinggan)  # its card came after the day was published: never told that day
    opted = _ready(sepinggan)
    Message.objects.create(
        receipt=opted,
        occasion="pickup_day",
        channel="whatsapp",
        state=MessageState.SENT,
        schedule_id=schedule.pk,
    )
    for channel in ("whatsapp", "sms"):
        ChannelOptOut.objects.create(resident=opted.resident, channel=channel, source="t")
    with django_capture_on_commit_callbacks(execute=True):
        pickup_schedule_update(
            schedule=schedule,
            actor=staff,
            date=WEDNESDAY,
            start_time=datetime.time(8),
            end_time=datetime.time(12),
            place="Aula",
        )
    assert _changes() == []
    assert PickupChange.objects.get().told == 0


def test_a_correction_at_night_is_held_until_the_quiet_hours_end(
    told, staff, wednesday, django_capture_on_commit_callbacks
):
    schedule, _receipts = told
    wednesday.move_to(datetime.datetime(2026, 12, 2, 22, 30, tzinfo=WITA))
    with django_capture_on_commit_callbacks(execute=True):
        pickup_schedule_update(
            schedule=schedule,
            actor=staff,
            date=WEDNESDAY,
            start_time=datetime.time(8),
            end_time=datetime.time(12),
            place="Aula",
        )
    due = {m.next_attempt_at for m in Message.objects.filter(occasion="pickup_changed")}
    assert due == {datetime.datetime(2026, 12, 3, 6, 0, tzinfo=WITA)}


def test_a_note_only_change_tells_no_one(told, staff, django_capture_on_commit_callbacks):
    schedule, _receipts = told
    with django_capture_on_commit_callbacks(execute=True):
        pickup_schedule_update(
            schedule=schedule,
            actor=staff,
            date=schedule.date,
            start_time=schedule.start_time,
            end_time=schedule.end_time,
            place=schedule.place,
            note="Bawa fotokopi KK",
        )
    assert _changes() == [] and not PickupChange.objects.exists()
