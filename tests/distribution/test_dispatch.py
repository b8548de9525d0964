"""Printed cards go to the kecamatan where they will be collected; pickup days are published."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distribution.models import Dispatch, DispatchItem, PickupSchedule
from distribution.services import (
    DistributionError,
    dispatch_create,
    pickup_schedule_plan,
    pickup_schedule_publish,
    print_run_create,
    print_run_mark_printed,
)
from receipts.models import Receipt, ReceiptEvent, Status
from tests.factories import BlankBatchFactory, KelurahanFactory, waiting_receipts

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)


@pytest.fixture
def printed_run(sepinggan, prapatan, staff):
    BlankBatchFactory(quantity=20)
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    waiting_receipts(kelurahan=sepinggan, count=3, first_recorded_at=start, prefix="S")
    waiting_receipts(kelurahan=prapatan, count=2, first_recorded_at=start, prefix="K")
    run = print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)
    print_run_mark_printed(print_run=run, actor=staff)
    return run


def test_dispatch_makes_one_delivery_per_kecamatan(printed_run, selatan, kota, staff):
    dispatches = dispatch_create(print_run=printed_run, actor=staff)

    sizes = {d.kecamatan: d.items.count() for d in dispatches}
    assert sizes == {selatan: 3, kota: 2}
    for dispatch in dispatches:
        kecamatan_ids = set(
            dispatch.items.values_list("card__receipt__collection_kecamatan", flat=True)
        )
        assert kecamatan_ids == {dispatch.kecamatan_id}
        assert dispatch.state == Dispatch.State.SENT and dispatch.sent_by == staff
    assert set(Receipt.objects.values_list("status", flat=True)) == {Status.DISPATCHED}
    assert ReceiptEvent.objects.filter(to_status=Status.DISPATCHED, actor=staff).count() == 5


def test_a_card_is_dispatched_once(printed_run, staff):
    dispatch_create(print_run=printed_run, actor=staff)

    with pytest.raises(DistributionError, match="belum dikirim"):
        dispatch_create(print_run=printed_run, actor=staff)
    assert DispatchItem.objects.count() == 5


def test_cards_not_printed_yet_are_not_dispatched(sepinggan, staff):
    BlankBatchFactory(quantity=5)
    waiting_receipts(
        kelurahan=sepinggan, count=2, first_recorded_at=datetime.datetime(2017, 8, 1, tzinfo=WITA)
    )
    run = print_run_create(kecamatan=None, count=2, cutoff_date=CUTOFF, actor=staff)

    with pytest.raises(DistributionError, match="Tidak ada kartu tercetak"):
        dispatch_create(print_run=run, actor=staff)
    assert not Dispatch.objects.exists()


def test_dispatching_chosen_cards_only(printed_run, staff):
    card = printed_run.cards.get(position=1)

    [dispatch] = dispatch_create(cards=[card], actor=staff)

    assert list(dispatch.items.values_list("card", flat=True)) == [card.pk]
    assert Receipt.objects.filter(status=Status.PRINTED).count() == 4


def test_pickup_days_one_per_kelurahan_skipping_weekends(selatan, sepinggan, staff):
    other = KelurahanFactory(kecamatan=selatan, name="Damai")
    saturday = timezone.localdate() + datetime.timedelta(
        days=(5 - timezone.localdate().weekday()) % 7 or 7
    )
    entries = pickup_schedule_plan(
        kelurahan=[sepinggan, other],
        start_date=saturday,
        start_time=datetime.time(8),
        end_time=datetime.time(12),
        place="Kantor Kecamatan",
    )

    pickup_schedule_publish(kecamatan=selatan, entries=entries, actor=staff)

    days = list(PickupSchedule.objects.order_by("date").values_list("kelurahan__name", "date"))
    # Counters open Monday to Friday: planned from a Saturday, the days are Monday and Tuesday.
    monday = saturday + datetime.timedelta(days=2)
    assert days == [("Sepinggan", monday), ("Damai", monday + datetime.timedelta(days=1))]


def test_pickup_schedule_refuses_a_kelurahan_of_another_kecamatan(selatan, prapatan, staff):
    entries = pickup_schedule_plan(
        kelurahan=[prapatan],
        start_date=timezone.localdate() + datetime.timedelta(days=1),
        start_time=datetime.time(8),
        end_time=datetime.time(12),
    )
    with pytest.raises(DistributionError, match="bukan bagian dari kecamatan"):
        pickup_schedule_publish(kecamatan=selatan, entries=entries, actor=staff)
    assert not PickupSchedule.objects.exists()


def test_pickup_schedule_refuses_end_before_start(selatan, sepinggan, staff):
    entries = pickup_schedule_plan(
        kelurahan=[sepinggan],
        start_date=timezone.localdate() + datetime.timedelta(days=1),
        start_time=datetime.time(12),
        end_time=datetime.time(8),
    )
    with pytest.raises(DistributionError, match="Jam selesai"):
        pickup_schedule_publish(kecamatan=selatan, entries=entries, actor=staff)


def test_the_same_pickup_day_is_not_published_twice(selatan, sepinggan, staff):
    entries = pickup_schedule_plan(
        kelurahan=[sepinggan],
        start_date=timezone.localdate() + datetime.timedelta(days=1),
        start_time=datetime.time(8),
        end_time=datetime.time(12),
    )
    pickup_schedule_publish(kecamatan=selatan, entries=entries, actor=staff)
    with pytest.raises(DistributionError, match="sudah ada"):
        pickup_schedule_publish(kecamatan=selatan, entries=entries, actor=staff)
    assert PickupSchedule.objects.count() == 1


def test_printing_and_dispatching_take_the_same_queries_for_5_or_60_cards(sepinggan, staff):
    BlankBatchFactory(quantity=100)
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    waiting_receipts(kelurahan=sepinggan, count=65, first_recorded_at=start)
    small = print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)
    large = print_run_create(kecamatan=None, count=60, cutoff_date=CUTOFF, actor=staff)

    def queries(func, run):
        with CaptureQueriesContext(connection) as ctx:
            func(print_run=run, actor=staff)
        return len(ctx.captured_queries)

    assert queries(print_run_mark_printed, small) == queries(print_run_mark_printed, large)
    assert queries(dispatch_create, small) == queries(dispatch_create, large)
