import pytest
from django.db import IntegrityError, transaction

from receipts.models import Receipt, ReceiptEvent, Status
from receipts.services import (
    TRANSITIONS,
    TransitionError,
    receipt_transition,
    receipts_transition_bulk,
)
from tests.factories import ReceiptFactory


def test_every_status_has_a_row_in_the_transition_table():
    assert set(TRANSITIONS) == set(Status.values)


def test_transition_writes_status_and_event(receipt, staff):
    receipt_transition(receipt=receipt, to=Status.QUEUED, actor=staff, note="run 1")
    receipt.refresh_from_db()
    assert receipt.status == Status.QUEUED
    event = receipt.events.latest("at")
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "recorded",
        "queued",
        staff,
        "run 1",
    )


def test_refused_transition_changes_nothing(receipt, staff):
    with pytest.raises(TransitionError, match="tidak bisa diubah"):
        receipt_transition(receipt=receipt, to=Status.COLLECTED, actor=staff)
    receipt.refresh_from_db()
    assert receipt.status == Status.RECORDED
    assert receipt.events.count() == 1


def test_cancelled_is_final(receipt, staff):
    receipt_transition(receipt=receipt, to=Status.CANCELLED, actor=staff)
    for target in Status.values:
        with pytest.raises(TransitionError):
            receipt_transition(receipt=receipt, to=target, actor=staff)


def test_collected_sets_collected_at_and_undo_clears_it(staff):
    receipt = ReceiptFactory(status=Status.READY)
    receipt_transition(receipt=receipt, to=Status.COLLECTED, actor=staff)
    receipt.refresh_from_db()
    assert receipt.collected_at is not None
    receipt_transition(receipt=receipt, to=Status.READY, actor=staff, note="salah orang")
    receipt.refresh_from_db()
    assert receipt.collected_at is None


def test_bulk_transition_moves_only_receipts_still_in_the_from_status(staff):
    waiting = ReceiptFactory.create_batch(3)
    moved_elsewhere = ReceiptFactory(status=Status.ON_HOLD)
    ids = [r.pk for r in waiting] + [moved_elsewhere.pk]
    assert (
        receipts_transition_bulk(
            receipt_ids=ids, from_status=Status.RECORDED, to=Status.QUEUED, actor=staff
        )
        == 3
    )
    assert Receipt.objects.filter(status=Status.QUEUED).count() == 3
    assert ReceiptEvent.objects.filter(to_status=Status.QUEUED).count() == 3
    moved_elsewhere.refresh_from_db()
    assert moved_elsewhere.status == Status.ON_HOLD


def test_bulk_transition_refuses_a_move_outside_the_table(staff):
    with pytest.raises(TransitionError):
        receipts_transition_bulk(
            receipt_ids=[1], from_status=Status.RECORDED, to=Status.READY, actor=staff
        )


def test_database_refuses_a_second_open_receipt_for_a_resident(receipt):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptFactory(resident=receipt.resident)


def test_a_new_receipt_is_allowed_once_the_old_one_is_cancelled(receipt, staff):
    receipt_transition(receipt=receipt, to=Status.CANCELLED, actor=staff)
    ReceiptFactory(resident=receipt.resident)
    assert receipt.resident.receipts.count() == 2


def test_database_refuses_a_duplicate_receipt_number(receipt):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptFactory(number=receipt.number)


def test_database_refuses_collected_without_time(receipt):
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(status=Status.COLLECTED)
