"""Every action keeps who did it in its own row, whoever calls the service (page or shell),
and the actions with a locking order insist on being the outermost transaction."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from distribution.models import BlankBatch, PickupSchedule
from distribution.services import (
    PickupEntry,
    blank_batch_receive,
    card_mark_spoiled,
    dispatch_create,
    handover_record,
    pickup_schedule_publish,
    print_run_create,
    print_run_mark_printed,
)
from tests.factories import BlankBatchFactory, waiting_receipts

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)


@pytest.fixture
def run(sepinggan, staff):
    BlankBatchFactory(quantity=10)
    waiting_receipts(
        kelurahan=sepinggan, count=3, first_recorded_at=datetime.datetime(2017, 8, 1, tzinfo=WITA)
    )
    return print_run_create(kecamatan=None, count=3, cutoff_date=CUTOFF, actor=staff)


def test_a_blank_delivery_recorded_on_the_dashboard_keeps_its_recorder(client, staff):
    client.force_login(staff)
    client.post(
        reverse("staf:batch_create"),
        {"reference": "470/77/DUKCAPIL", "quantity": "800", "received_on": "2018-01-15"},
    )
    assert BlankBatch.objects.get(reference="470/77/DUKCAPIL").received_by == staff


def test_a_blank_delivery_recorded_from_the_shell_keeps_its_recorder(superuser):
    batch = blank_batch_receive(
        reference="470/78/DUKCAPIL",
        quantity=10,
        received_on=datetime.date(2018, 1, 15),
        actor=superuser,
    )
    batch.refresh_from_db()
    assert batch.received_by == superuser


def test_published_pickup_days_keep_their_publisher_and_time(selatan, sepinggan, staff):
    day = timezone.localdate() + datetime.timedelta(days=3)
    while day.weekday() >= 5:  # pickup days are counter days, Monday to Friday
        day += datetime.timedelta(days=1)
    pickup_schedule_publish(
        kecamatan=selatan,
        entries=[
            PickupEntry(
                kelurahan=sepinggan,
                date=day,
                start_time=datetime.time(8),
                end_time=datetime.time(12),
            )
        ],
        actor=staff,
    )
    schedule = PickupSchedule.objects.get()
    assert schedule.published_by == staff
    assert schedule.published_at is not None
    assert abs(schedule.published_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_marking_a_run_printed_keeps_who_did_it(run, staff):
    print_run_mark_printed(print_run=run, actor=staff)
    run.refresh_from_db()
    assert run.printed_by == staff and run.printed_at is not None


def test_a_spoiled_card_keeps_who_spoiled_it(run, staff, superuser):
    card = run.cards.get(position=1)
    card_mark_spoiled(card=card, actor=superuser, note="tinta luntur")
    card.refresh_from_db()
    assert card.spoiled_by == superuser and card.spoiled_at is not None


@pytest.mark.parametrize(
    "action",
    ["print_run_create", "print_run_mark_printed", "dispatch_create", "card_mark_spoiled"],
)
def test_locking_actions_refuse_to_run_inside_a_callers_transaction(run, staff, action):
    calls = {
        "print_run_create": lambda: print_run_create(
            kecamatan=None, count=1, cutoff_date=CUTOFF, actor=staff
        ),
        "print_run_mark_printed": lambda: print_run_mark_printed(print_run=run, actor=staff),
        "dispatch_create": lambda: dispatch_create(print_run=run, actor=staff),
        "card_mark_spoiled": lambda: card_mark_spoiled(card=run.cards.first(), actor=staff),
    }
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        calls[action]()


def test_a_hand_over_refuses_to_run_inside_a_callers_transaction(card_selatan, clerk_selatan):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        handover_record(
            receipt=card_selatan.receipt,
            actor=clerk_selatan,
            collected_by="resident",
            identity_check="receipt",
        )


def test_a_pickup_day_corrected_or_cancelled_from_the_shell_is_logged_with_its_actor(
    selatan, sepinggan, staff, superuser
):
    from auditlog.models import LogEntry

    from distribution.services import pickup_schedule_cancel, pickup_schedule_update

    day = timezone.localdate() + datetime.timedelta(days=3)
    while day.weekday() >= 5:  # pickup days are counter days, Monday to Friday
        day += datetime.timedelta(days=1)
    entry = PickupEntry(
        kelurahan=sepinggan, date=day, start_time=datetime.time(9), end_time=datetime.time(11)
    )
    (schedule,) = pickup_schedule_publish(kecamatan=selatan, entries=[entry], actor=staff)
    pickup_schedule_update(
        schedule=schedule,
        actor=superuser,
        date=day,
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        place="Aula kecamatan",
    )
    pickup_schedule_cancel(schedule=schedule, actor=staff)
    actions = list(
        LogEntry.objects.get_for_object(schedule)
        .order_by("timestamp", "pk")
        .values_list("action", "actor")
    )
    assert actions[-2:] == [
        (LogEntry.Action.UPDATE, superuser.pk),
        (LogEntry.Action.DELETE, staff.pk),
    ]
