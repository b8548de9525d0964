"""Pressing the button twice: the second request is a 4xx with the reason, never a 500.

Each request here commits (a transactional test, not one rolled-back savepoint), so the second
one meets what the first one really wrote — the case that hid the arrival form's 500. Runs on
SQLite and on PostgreSQL.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from distribution.models import Dispatch, DispatchItem, HandOver, PickupSchedule
from distribution.roles import ensure_roles
from receipts.models import ReceiptEvent, Status
from tests.factories import dispatched_cards

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test flushes the tables, the groups of the data migration included.
    ensure_roles(Group, Permission)


def as_user(client, user):
    client.force_login(user)
    return client


def snapshot():
    """What a refused second request must leave exactly as the first one wrote it."""
    return {
        "events": ReceiptEvent.objects.count(),
        "statuses": sorted(ReceiptEvent.objects.values_list("receipt_id", "to_status")),
        "dispatches": sorted(Dispatch.objects.values_list("pk", "state", "received_at")),
        "items": sorted(DispatchItem.objects.values_list("pk", "arrived", "note")),
        "schedules": PickupSchedule.objects.count(),
        "handovers": sorted(HandOver.objects.values_list("pk", "undone_at", "undo_reason")),
    }


def test_staff_confirming_the_same_dispatch_twice_is_told_when_it_arrived(client, selatan, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    url = reverse("staf:dispatch_receive", args=[dispatch.pk])
    first = as_user(client, staff).post(url, {"note": "", "konfirmasi": "1"})
    assert first.status_code == 302
    before = snapshot()

    again = client.post(url, {"note": ""})

    assert again.status_code == 409
    assert "Kiriman ini sudah dikonfirmasi sampai pada" in again.content.decode()
    assert snapshot() == before
    for card in cards:
        card.receipt.refresh_from_db()
        assert card.receipt.status == Status.READY


def test_clerk_confirming_the_same_arrival_twice_gets_a_409(client, selatan, staff, clerk_selatan):
    dispatch, _cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    url = reverse("loket:arrival", args=[dispatch.pk])
    assert (
        as_user(client, clerk_selatan).post(url, {"note": "", "konfirmasi": "1"}).status_code == 302
    )
    before = snapshot()

    again = client.post(url, {"note": ""})

    assert again.status_code == 409
    assert "Kiriman ini sudah dikonfirmasi sampai pada" in again.content.decode()
    assert snapshot() == before


def test_publishing_the_same_pickup_day_twice_is_refused(client, selatan, sepinggan, staff):
    dispatch, _cards = dispatched_cards(
        kecamatan=selatan, count=2, sent_by=staff, resident_kelurahan=sepinggan
    )
    day = timezone.localdate() + datetime.timedelta(days=2)
    while day.weekday() >= 5:  # the plan skips weekends; keep the same day both times
        day += datetime.timedelta(days=1)
    data = {
        "start_date": day.isoformat(),
        "start_time": "08:00",
        "end_time": "12:00",
        "place": "Aula Kecamatan",
    }
    url = reverse("staf:dispatch_schedule", args=[dispatch.pk])
    assert as_user(client, staff).post(url, data).status_code == 302
    before = snapshot()

    again = client.post(url, data)

    assert again.status_code == 400
    assert (
        f"Jadwal untuk {sepinggan} pada {day.strftime('%d-%m-%Y')} sudah ada"
        in again.content.decode()
    )
    assert snapshot() == before
    assert PickupSchedule.objects.get().kelurahan == sepinggan


def test_handing_over_the_same_card_twice_names_the_first_hand_over(
    client, card_selatan, clerk_selatan
):
    url = reverse("loket:receipt", args=[card_selatan.receipt.number])
    data = {"collected_by": "resident", "identity_check": "receipt"}
    assert as_user(client, clerk_selatan).post(url, data).status_code == 302
    before = snapshot()

    again = client.post(url, data)

    assert again.status_code == 409
    assert "Sudah diserahkan pada" in again.content.decode()
    assert "oleh loket.selatan" in again.content.decode()
    assert snapshot() == before
    assert HandOver.objects.count() == 1
    card_selatan.receipt.refresh_from_db()
    assert card_selatan.receipt.status == Status.COLLECTED


def test_undoing_the_same_hand_over_twice_is_refused(
    client, card_selatan, clerk_selatan, supervisor_selatan
):
    receipt_url = reverse("loket:receipt", args=[card_selatan.receipt.number])
    as_user(client, clerk_selatan).post(
        receipt_url, {"collected_by": "resident", "identity_check": "receipt"}
    )
    undo_url = reverse("loket:undo", args=[card_selatan.receipt.number])
    as_user(client, supervisor_selatan)
    handover = HandOver.objects.get()
    form = {"reason": "Salah orang", "handover": handover.pk}
    assert client.post(undo_url, form).status_code == 302
    before = snapshot()

    again = client.post(undo_url, form)

    assert again.status_code == 409
    assert "Tidak ada serah terima yang bisa dibatalkan" in again.content.decode()
    assert snapshot() == before
    card_selatan.receipt.refresh_from_db()
    assert card_selatan.receipt.status == Status.READY
    assert (
        ReceiptEvent.objects.filter(
            receipt=card_selatan.receipt, from_status=Status.COLLECTED, to_status=Status.READY
        ).count()
        == 1
    )
