"""Print runs take the oldest waiting receipts and the oldest blanks, all or nothing."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distribution.models import BlankBatch, Card, PrintRun
from distribution.selectors import blank_stock, print_queue
from distribution.services import (
    DistributionError,
    blank_batch_receive,
    print_run_create,
    print_run_mark_printed,
    print_run_preview,
)
from receipts.models import Receipt, ReceiptEvent, Status
from tests.factories import BlankBatchFactory, KelurahanFactory, ReceiptFactory, waiting_receipts

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)


def at(day, hour=9):
    return datetime.datetime(2017, 8, day, hour, tzinfo=WITA)


def numbers(run):
    return list(run.cards.order_by("position").values_list("receipt__number", flat=True))


@pytest.fixture
def blanks(db):
    return BlankBatchFactory(quantity=100, received_on=datetime.date(2018, 1, 15))


def test_run_takes_oldest_receipts_first_ties_by_number(sepinggan, staff, blanks):
    ReceiptFactory(number="C3", recorded_at=at(3), resident__kelurahan=sepinggan)
    ReceiptFactory(number="B2", recorded_at=at(1), resident__kelurahan=sepinggan)
    ReceiptFactory(number="A9", recorded_at=at(1), resident__kelurahan=sepinggan)
    ReceiptFactory(number="D1", recorded_at=at(2), resident__kelurahan=sepinggan)

    run = print_run_create(kecamatan=None, count=3, cutoff_date=CUTOFF, actor=staff)

    assert numbers(run) == ["A9", "B2", "D1"]
    assert Receipt.objects.get(number="C3").status == Status.RECORDED
    assert set(
        Receipt.objects.filter(number__in=["A9", "B2", "D1"]).values_list("status", flat=True)
    ) == {Status.QUEUED}


def test_run_respects_cutoff_date_in_local_time(sepinggan, staff, blanks):
    # 5 Aug 23:30 WITA is 15:30 UTC: on the cutoff day locally, so eligible.
    ReceiptFactory(
        number="LATE5",
        recorded_at=at(5, 23) + datetime.timedelta(minutes=30),
        resident__kelurahan=sepinggan,
    )
    # 6 Aug 00:30 WITA is still 5 Aug in UTC, but after the cutoff locally.
    ReceiptFactory(
        number="EARLY6",
        recorded_at=at(6, 0) + datetime.timedelta(minutes=30),
        resident__kelurahan=sepinggan,
    )

    run = print_run_create(kecamatan=None, count=10, cutoff_date=CUTOFF, actor=staff)

    assert numbers(run) == ["LATE5"]
    assert Receipt.objects.get(number="EARLY6").status == Status.RECORDED


def test_run_for_one_kecamatan_takes_only_its_receipts(sepinggan, prapatan, selatan, staff, blanks):
    ReceiptFactory(number="KOTA1", recorded_at=at(1), resident__kelurahan=prapatan)
    ReceiptFactory(number="SEL1", recorded_at=at(2), resident__kelurahan=sepinggan)

    run = print_run_create(kecamatan=selatan, count=10, cutoff_date=CUTOFF, actor=staff)

    assert numbers(run) == ["SEL1"]
    assert run.kecamatan == selatan
    assert Receipt.objects.get(number="KOTA1").status == Status.RECORDED


def test_run_uses_oldest_batch_first_and_splits_across_batches(sepinggan, staff):
    newer = BlankBatchFactory(reference="NEW", quantity=10, received_on=datetime.date(2018, 3, 1))
    older = BlankBatchFactory(reference="OLD", quantity=3, received_on=datetime.date(2018, 1, 1))
    waiting_receipts(kelurahan=sepinggan, count=5, first_recorded_at=at(1))

    run = print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)

    batches = list(run.cards.order_by("position").values_list("batch__reference", flat=True))
    assert batches == ["OLD"] * 3 + ["NEW"] * 2
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.used, older.left) == (3, 0)
    assert (newer.used, newer.left) == (2, 8)
    assert Card.objects.filter(print_run=run).values("serial").distinct().count() == 5


def test_run_takes_what_there_is_when_fewer_receipts_than_asked(sepinggan, staff, blanks):
    waiting_receipts(kelurahan=sepinggan, count=4, first_recorded_at=at(1))

    run = print_run_create(kecamatan=None, count=10, cutoff_date=CUTOFF, actor=staff)

    assert (run.requested, run.allocated) == (10, 4)
    blanks.refresh_from_db()
    assert blanks.used == 4


def test_run_takes_what_there_is_when_fewer_blanks_than_asked(sepinggan, staff):
    BlankBatchFactory(quantity=3)
    waiting_receipts(kelurahan=sepinggan, count=6, first_recorded_at=at(1))

    run = print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)

    assert (run.requested, run.allocated) == (5, 3)
    assert Receipt.objects.filter(status=Status.RECORDED).count() == 3


def test_zero_cards_is_refused(staff, blanks, receipt):
    with pytest.raises(DistributionError, match="Jumlah kartu harus lebih dari nol"):
        print_run_create(kecamatan=None, count=0, cutoff_date=CUTOFF, actor=staff)
    assert not PrintRun.objects.exists()


def test_cutoff_in_the_future_is_refused(staff, blanks, receipt):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(DistributionError, match="tidak boleh melewati hari ini"):
        print_run_create(kecamatan=None, count=5, cutoff_date=tomorrow, actor=staff)
    assert not PrintRun.objects.exists()


def test_run_without_blank_stock_is_refused(staff, receipt):
    BlankBatch.objects.filter(pk=BlankBatchFactory(quantity=2).pk).update(used=1, spoiled=1)
    with pytest.raises(DistributionError, match="Stok blanko habis"):
        print_run_create(kecamatan=None, count=5, cutoff_date=timezone.localdate(), actor=staff)
    receipt.refresh_from_db()
    assert receipt.status == Status.RECORDED


def test_run_without_eligible_receipts_is_refused(staff, blanks, receipt):
    # The receipt fixture was recorded 300 days ago; a cutoff a year back excludes it.
    cutoff = timezone.localdate() - datetime.timedelta(days=400)
    with pytest.raises(DistributionError, match="Tidak ada resi yang menunggu blanko"):
        print_run_create(kecamatan=None, count=5, cutoff_date=cutoff, actor=staff)
    blanks.refresh_from_db()
    assert blanks.used == 0 and not PrintRun.objects.exists()


def test_every_allocated_receipt_gets_one_queued_event_by_the_actor(sepinggan, staff, blanks):
    receipts = waiting_receipts(kelurahan=sepinggan, count=3, first_recorded_at=at(1))

    run = print_run_create(kecamatan=None, count=3, cutoff_date=CUTOFF, actor=staff)

    events = ReceiptEvent.objects.filter(receipt__in=receipts, to_status=Status.QUEUED)
    assert events.count() == 3
    assert {(e.from_status, e.actor_id) for e in events} == {(Status.RECORDED, staff.pk)}
    assert all(f"#{run.pk}" in e.note for e in events)


def test_a_failure_after_allocation_leaves_no_trace(sepinggan, staff, blanks):
    receipts = waiting_receipts(kelurahan=sepinggan, count=5, first_recorded_at=at(1))
    events_before = ReceiptEvent.objects.count()

    with (
        mock.patch(
            "distribution.services._common.receipts_transition_bulk",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)

    blanks.refresh_from_db()
    assert blanks.used == 0
    assert not PrintRun.objects.exists() and not Card.objects.exists()
    assert set(
        Receipt.objects.filter(pk__in=[r.pk for r in receipts]).values_list("status", flat=True)
    ) == {Status.RECORDED}
    assert ReceiptEvent.objects.count() == events_before


def test_a_receipt_moved_meanwhile_rolls_the_whole_run_back(sepinggan, staff, blanks):
    waiting_receipts(kelurahan=sepinggan, count=5, first_recorded_at=at(1))

    with (
        mock.patch("distribution.services._common.receipts_transition_bulk", return_value=4),
        pytest.raises(DistributionError, match="tidak ada yang disimpan"),
    ):
        print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)

    blanks.refresh_from_db()
    assert blanks.used == 0 and not Card.objects.exists()


def test_mark_printed_moves_cards_and_receipts(sepinggan, staff, blanks):
    receipts = waiting_receipts(kelurahan=sepinggan, count=3, first_recorded_at=at(1))
    run = print_run_create(kecamatan=None, count=3, cutoff_date=CUTOFF, actor=staff)

    assert print_run_mark_printed(print_run=run, actor=staff) == 3

    run.refresh_from_db()
    assert run.state == PrintRun.State.PRINTED and run.printed_at is not None
    assert set(run.cards.values_list("outcome", flat=True)) == {Card.Outcome.PRINTED}
    assert set(
        Receipt.objects.filter(pk__in=[r.pk for r in receipts]).values_list("status", flat=True)
    ) == {Status.PRINTED}
    assert ReceiptEvent.objects.filter(to_status=Status.PRINTED, actor=staff).count() == 3
    with pytest.raises(DistributionError, match="sudah ditandai tercetak"):
        print_run_mark_printed(print_run=run, actor=staff)


def test_preview_reports_what_a_run_would_take_without_writing(sepinggan, staff):
    BlankBatchFactory(quantity=3)
    waiting_receipts(kelurahan=sepinggan, count=5, first_recorded_at=at(1))

    preview = print_run_preview(kecamatan=None, count=4, cutoff_date=CUTOFF)

    assert (preview.eligible, preview.blanks_left, preview.will_take) == (5, 3, 3)
    assert preview.short_of_blanks and not preview.short_of_receipts
    assert preview.oldest == at(1) and preview.newest == at(1) + datetime.timedelta(minutes=2)
    assert not PrintRun.objects.exists()
    assert Receipt.objects.filter(status=Status.RECORDED).count() == 5


def test_stock_is_computed_per_batch_and_in_total(staff):
    first = blank_batch_receive(
        reference="470/1/DUKCAPIL", quantity=10, received_on=datetime.date(2018, 1, 1), actor=staff
    )
    BlankBatch.objects.filter(pk=first.pk).update(used=4, spoiled=1)
    blank_batch_receive(
        reference="470/2/DUKCAPIL", quantity=20, received_on=datetime.date(2018, 2, 1), actor=staff
    )

    stock = blank_stock()

    assert [b.stock_left for b in stock["batches"]] == [5, 20]
    assert stock["total"] == {"received": 30, "used": 4, "spoiled": 1, "left": 25}


def test_stock_is_zero_without_batches(db):
    assert blank_stock()["total"] == {"received": 0, "used": 0, "spoiled": 0, "left": 0}


def test_a_batch_reference_is_recorded_once(staff):
    blank_batch_receive(
        reference="470/9", quantity=5, received_on=datetime.date(2018, 1, 1), actor=staff
    )
    with pytest.raises(DistributionError, match="sudah dicatat"):
        blank_batch_receive(
            reference="470/9", quantity=5, received_on=datetime.date(2018, 1, 1), actor=staff
        )
    with pytest.raises(DistributionError, match="lebih dari nol"):
        blank_batch_receive(
            reference="470/10", quantity=0, received_on=datetime.date(2018, 1, 1), actor=staff
        )


def test_queries_of_a_run_do_not_grow_with_its_size(sepinggan, staff):
    BlankBatchFactory(quantity=500)
    waiting_receipts(kelurahan=sepinggan, count=400, first_recorded_at=at(1))

    def queries(count):
        with CaptureQueriesContext(connection) as ctx:
            print_run_create(kecamatan=None, count=count, cutoff_date=CUTOFF, actor=staff)
        return len(ctx.captured_queries)

    if connection.vendor == "postgresql":
        assert queries(10) == queries(300)
    else:
        # SQLite bounds query parameters, so ids travel in chunks: a few more, never per card.
        assert queries(300) < queries(10) + 20


@pytest.mark.postgres
def test_queue_query_uses_the_partial_index(sepinggan, staff):
    waiting_receipts(
        kelurahan=KelurahanFactory(kecamatan=sepinggan.kecamatan),
        count=2000,
        first_recorded_at=at(1),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE receipts_receipt")
    queue = print_queue(kecamatan=None, cutoff_date=CUTOFF).select_for_update(skip_locked=True)
    sql, params = queue.values_list("pk", flat=True)[:100].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "receipt_queue_idx" in plan, plan
