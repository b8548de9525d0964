"""A misprinted card spoils its blank; its receipt goes back to the front of the queue."""

import datetime

import pytest
from django.utils import timezone

from distribution.models import Card
from distribution.services import (
    DistributionError,
    card_mark_spoiled,
    dispatch_create,
    print_run_create,
    print_run_mark_printed,
)
from receipts.models import ReceiptEvent, Status
from tests.factories import BlankBatchFactory, waiting_receipts

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)


@pytest.fixture
def batch(db):
    return BlankBatchFactory(quantity=10)


@pytest.fixture
def run(sepinggan, staff, batch):
    waiting_receipts(
        kelurahan=sepinggan, count=6, first_recorded_at=datetime.datetime(2017, 8, 1, tzinfo=WITA)
    )
    return print_run_create(kecamatan=None, count=3, cutoff_date=CUTOFF, actor=staff)


def test_misprinted_queued_card_spoils_its_blank_and_requeues_the_receipt(run, batch, staff):
    card = run.cards.get(position=2)

    card_mark_spoiled(card=card, actor=staff, note="tinta luntur")

    card.refresh_from_db()
    card.receipt.refresh_from_db()
    batch.refresh_from_db()
    assert card.outcome == Card.Outcome.SPOILED and card.spoiled_at is not None
    assert card.receipt.status == Status.RECORDED
    assert (batch.used, batch.spoiled, batch.left) == (2, 1, 7)
    event = card.receipt.events.latest("at", "id")
    assert (event.from_status, event.to_status, event.note) == (
        Status.QUEUED,
        Status.RECORDED,
        "tinta luntur",
    )


def test_spoiled_receipt_is_taken_first_by_the_next_run(run, staff):
    card = run.cards.get(position=2)
    card_mark_spoiled(card=card, actor=staff)

    next_run = print_run_create(kecamatan=None, count=2, cutoff_date=CUTOFF, actor=staff)

    first = next_run.cards.get(position=1)
    assert first.receipt_id == card.receipt_id
    # A new blank and a new serial: the spoiled attempt keeps its own.
    assert first.serial != card.serial and first.outcome == Card.Outcome.QUEUED
    assert next_run.cards.get(position=2).receipt.number == "Q0000003"


def test_printed_card_not_yet_dispatched_can_be_spoiled(run, batch, staff):
    print_run_mark_printed(print_run=run, actor=staff)
    card = run.cards.get(position=1)

    card_mark_spoiled(card=card, actor=staff)

    card.receipt.refresh_from_db()
    batch.refresh_from_db()
    assert card.receipt.status == Status.RECORDED
    assert (batch.used, batch.spoiled) == (2, 1)
    assert ReceiptEvent.objects.filter(
        receipt=card.receipt, from_status=Status.PRINTED, to_status=Status.RECORDED
    ).exists()


def test_dispatched_card_cannot_be_spoiled(run, batch, staff):
    print_run_mark_printed(print_run=run, actor=staff)
    dispatch_create(print_run=run, actor=staff)
    card = run.cards.get(position=1)

    with pytest.raises(DistributionError, match="sudah dikirim"):
        card_mark_spoiled(card=card, actor=staff)

    batch.refresh_from_db()
    card.receipt.refresh_from_db()
    assert batch.spoiled == 0 and card.receipt.status == Status.DISPATCHED


def test_a_card_is_spoiled_once(run, batch, staff):
    card = run.cards.get(position=1)
    card_mark_spoiled(card=card, actor=staff)

    with pytest.raises(DistributionError, match="sudah dinyatakan rusak"):
        card_mark_spoiled(card=card, actor=staff)

    batch.refresh_from_db()
    assert batch.spoiled == 1
