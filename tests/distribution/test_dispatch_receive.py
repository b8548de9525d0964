import pytest

from distribution.models import Dispatch
from distribution.services import DistributionError, dispatch_receive
from receipts.models import Receipt, Status
from tests.factories import dispatched_cards


def test_arrival_makes_every_card_ready(selatan, clerk_selatan, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    assert dispatch_receive(dispatch=dispatch, actor=clerk_selatan) == (3, 0)
    statuses = set(Receipt.objects.filter(cards__in=cards).values_list("status", flat=True))
    assert statuses == {Status.READY}
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.RECEIVED
    assert dispatch.received_by == clerk_selatan


def test_partial_arrival_leaves_missing_cards_dispatched_with_a_note(selatan, clerk_selatan, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    arrived, missing = dispatch_receive(
        dispatch=dispatch,
        actor=clerk_selatan,
        missing_card_ids=[cards[0].pk],
        note="1 kartu kurang",
    )
    assert (arrived, missing) == (2, 1)
    cards[0].receipt.refresh_from_db()
    assert cards[0].receipt.status == Status.DISPATCHED
    item = cards[0].dispatch_items.get()
    assert item.arrived is False and item.note == "1 kartu kurang"
    cards[1].receipt.refresh_from_db()
    assert cards[1].receipt.status == Status.READY


def test_a_dispatch_is_confirmed_once(selatan, clerk_selatan, staff):
    dispatch, _ = dispatched_cards(kecamatan=selatan, count=1, sent_by=staff)
    dispatch_receive(dispatch=dispatch, actor=clerk_selatan)
    with pytest.raises(DistributionError, match="sudah dikonfirmasi"):
        dispatch_receive(dispatch=dispatch, actor=clerk_selatan)


def test_a_clerk_of_another_kecamatan_cannot_confirm_the_arrival(selatan, clerk_kota, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=1, sent_by=staff)
    with pytest.raises(DistributionError, match="kecamatan lain"):
        dispatch_receive(dispatch=dispatch, actor=clerk_kota)
    cards[0].receipt.refresh_from_db()
    assert cards[0].receipt.status == Status.DISPATCHED


def test_an_account_without_the_permission_cannot_confirm_the_arrival(selatan, staff):
    from tests.factories import UserFactory

    dispatch, _ = dispatched_cards(kecamatan=selatan, count=1, sent_by=staff)
    with pytest.raises(DistributionError, match="tidak berhak"):
        dispatch_receive(dispatch=dispatch, actor=UserFactory())
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.SENT


def test_a_bulk_move_larger_than_the_parameter_limit_moves_every_card(
    selatan, clerk_selatan, staff, monkeypatch
):
    # receipts_transition_bulk splits id lists by the backend's parameter limit (SQLite's);
    # pretend the limit is tiny so the 25 cards need several chunks.
    from django.db import connection

    from receipts.models import ReceiptEvent

    dispatch, cards = dispatched_cards(kecamatan=selatan, count=25, sent_by=staff)
    monkeypatch.setattr(connection.features, "max_query_params", 17)
    assert dispatch_receive(dispatch=dispatch, actor=clerk_selatan) == (25, 0)
    assert Receipt.objects.filter(status=Status.READY).count() == 25
    assert ReceiptEvent.objects.filter(to_status=Status.READY).count() == 25
