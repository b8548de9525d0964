"""The lookup's rendered results come from the cache, but never stale (portal/lookup_cache.py).

A cached answer costs one query (the receipt's status stamp, on the unique index). Status
changes show at once through the stamp; reference data (pickup days, the office, the queue
behind a waiting receipt) through the version row that writers bump in their transaction.
"""

import datetime
import re
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from distribution.models import Card
from distribution.services import (
    PickupEntry,
    card_mark_spoiled,
    pickup_schedule_publish,
    print_run_create,
)
from portal import lookup_cache
from receipts import public_version
from receipts.models import PublicDataVersion, Status
from receipts.services import receipt_create, receipt_transition
from tests.factories import BlankBatchFactory, ReceiptFactory, ResidentFactory, ready_card

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def cek(client, number):
    response = client.get("/cek/", {"nomor": number})
    assert response.status_code == 200
    return response.content.decode()


def waiting(sepinggan, number, day):
    return ReceiptFactory(
        number=number,
        resident=ResidentFactory(kelurahan=sepinggan),
        status=Status.RECORDED,
        recorded_at=timezone.make_aware(datetime.datetime(2017, 7, day, 9, 30)),
    )


@pytest.mark.parametrize("status", [Status.QUEUED, Status.READY, Status.RECORDED])
def test_a_second_lookup_costs_one_query(client, sepinggan, status, django_assert_num_queries):
    receipt = ReceiptFactory(resident=ResidentFactory(kelurahan=sepinggan), status=status)
    first = cek(client, receipt.number)
    api_first = client.get(f"/api/v1/receipts/{receipt.number}/").json()
    with django_assert_num_queries(1):
        second = cek(client, receipt.number)
    with django_assert_num_queries(1):
        api_second = client.get(f"/api/v1/receipts/{receipt.number}/").json()
    assert TOKEN.sub("", first) == TOKEN.sub("", second)
    assert api_first == api_second
    assert api_second["status"] == status


def test_unknown_number_still_costs_one_query(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get("/cek/", {"nomor": "BPN1708010002"}).status_code == 404


def test_every_visitor_gets_a_working_token_of_their_own(sepinggan):
    receipt = ReceiptFactory(resident=ResidentFactory(kelurahan=sepinggan), status=Status.READY)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one, page_two = cek(first, receipt.number), cek(second, receipt.number)
    assert lookup_cache.CSRF_PLACEHOLDER not in page_one + page_two
    token_one, token_two = TOKEN.search(page_one)[1], TOKEN.search(page_two)[1]
    assert token_one != token_two
    # The language switch on the page served from the cache works, and returns to the page.
    response = second.post(
        "/i18n/setlang/",
        {
            "language": "en",
            "next": f"/cek/?nomor={receipt.number}",
            "csrfmiddlewaretoken": token_two,
        },
    )
    assert response.status_code == 302
    assert "Ready for collection" in cek(second, receipt.number)
    assert "Siap diambil" in cek(first, receipt.number)


def test_the_language_switch_returns_to_the_canonical_address(client, sepinggan):
    receipt = ReceiptFactory(
        number="BPN1708010003", resident=ResidentFactory(kelurahan=sepinggan), status=Status.READY
    )
    cek(client, "bpn 1708 0100 03")
    page = cek(Client(), "BPN-1708010003")
    assert f'name="next" value="/cek/?nomor={receipt.number}"' in page


def test_new_pickup_days_show_at_once(client, staff, selatan, sepinggan):
    card = ready_card(kelurahan=sepinggan)
    day = timezone.localdate() + datetime.timedelta(days=3)
    while day.weekday() >= 5:  # pickup days are counter days, Monday to Friday
        day += datetime.timedelta(days=1)
    api = client.get(f"/api/v1/receipts/{card.receipt.number}/").json()
    assert api["pickup_schedule"] == []
    before = cek(client, card.receipt.number)
    pickup_schedule_publish(
        kecamatan=selatan,
        entries=[
            PickupEntry(
                kelurahan=sepinggan,
                date=day,
                start_time=datetime.time(8),
                end_time=datetime.time(11),
                place="Aula Sepinggan Baru",
            )
        ],
        actor=staff,
    )
    assert "Aula Sepinggan Baru" not in before
    assert "Aula Sepinggan Baru" in cek(client, card.receipt.number)
    api = client.get(f"/api/v1/receipts/{card.receipt.number}/").json()
    assert [s["date"] for s in api["pickup_schedule"]] == [day.isoformat()]


def test_a_new_office_address_shows_at_once(client, selatan, sepinggan):
    card = ready_card(kelurahan=sepinggan)
    assert "Jl. Pindahan No. 9" not in cek(client, card.receipt.number)
    selatan.address = "Jl. Pindahan No. 9"
    selatan.save()
    assert "Jl. Pindahan No. 9" in cek(client, card.receipt.number)


def test_a_print_run_moves_the_queue_position_at_once(client, staff, sepinggan):
    BlankBatchFactory(quantity=10)
    waiting(sepinggan, "BPN1707010001", day=1)
    mine = waiting(sepinggan, "BPN1707020001", day=2)
    assert "urutan ke-<strong>2</strong>" in cek(client, mine.number)
    print_run_create(kecamatan=None, count=1, cutoff_date=timezone.localdate(), actor=staff)
    assert "urutan ke-<strong>1</strong>" in cek(client, mine.number)


def test_a_receipt_leaving_or_rejoining_the_queue_moves_the_position_at_once(
    client, staff, sepinggan
):
    ahead = waiting(sepinggan, "BPN1707010001", day=1)
    mine = waiting(sepinggan, "BPN1707020001", day=2)
    assert "urutan ke-<strong>2</strong>" in cek(client, mine.number)
    receipt_transition(receipt=ahead, to=Status.ON_HOLD, actor=staff)
    assert "urutan ke-<strong>1</strong>" in cek(client, mine.number)
    receipt_transition(receipt=ahead, to=Status.RECORDED, actor=staff)
    assert "urutan ke-<strong>2</strong>" in cek(client, mine.number)
    receipt_transition(receipt=ahead, to=Status.CANCELLED, actor=staff)
    assert "urutan ke-<strong>1</strong>" in cek(client, mine.number)


def test_a_misprint_sends_its_receipt_back_ahead_at_once(client, staff, sepinggan):
    BlankBatchFactory(quantity=10)
    waiting(sepinggan, "BPN1707010001", day=1)
    mine = waiting(sepinggan, "BPN1707020001", day=2)
    print_run_create(kecamatan=None, count=1, cutoff_date=timezone.localdate(), actor=staff)
    assert "urutan ke-<strong>1</strong>" in cek(client, mine.number)
    card_mark_spoiled(card=Card.objects.get(receipt__number="BPN1707010001"), actor=staff)
    assert "urutan ke-<strong>2</strong>" in cek(client, mine.number)


def test_a_receipt_recorded_earlier_moves_the_position_back(client, staff, sepinggan):
    mine = waiting(sepinggan, "BPN1707020001", day=2)
    newcomer = ResidentFactory(kelurahan=sepinggan)
    assert "urutan ke-<strong>1</strong>" in cek(client, mine.number)
    receipt_create(
        resident=newcomer,
        number="BPN1707010009",
        recorded_at=timezone.make_aware(datetime.datetime(2017, 7, 1, 8, 0)),
        recorded_place="Kantor Disdukcapil",
        actor=staff,
    )
    assert "urutan ke-<strong>2</strong>" in cek(client, mine.number)


def test_a_hand_over_keeps_the_other_pages_cached(client, clerk_selatan, sepinggan):
    """Hand-overs are the busiest write; they change one receipt's stamp, not the version."""
    card = ready_card(kelurahan=sepinggan)
    before = PublicDataVersion.objects.get().value
    receipt_transition(receipt=card.receipt, to=Status.COLLECTED, actor=clerk_selatan)
    assert PublicDataVersion.objects.get().value == before
    assert "Sudah diambil" in cek(client, card.receipt.number)


def test_a_change_that_is_rolled_back_does_not_rebuild_pages(client, sepinggan):
    card = ready_card(kelurahan=sepinggan)
    cek(client, card.receipt.number)
    with pytest.raises(RuntimeError), transaction.atomic():
        public_version.bump()
        raise RuntimeError("the writer failed")
    with mock.patch("portal.views.selectors.receipt_lookup") as selector:
        cek(client, card.receipt.number)
    selector.assert_not_called()


def test_the_version_row_is_remade_when_it_is_missing(
    client, sepinggan, selatan, django_assert_num_queries
):
    card = ready_card(kelurahan=sepinggan)
    PublicDataVersion.objects.all().delete()
    cek(client, card.receipt.number)
    with django_assert_num_queries(1):  # nothing to validate a body against: built again
        cek(client, card.receipt.number)
    selatan.address = "Jl. Baru No. 2"
    selatan.save()
    assert PublicDataVersion.objects.get().value == 1
    assert "Jl. Baru No. 2" in cek(client, card.receipt.number)
    with django_assert_num_queries(1):
        assert "Jl. Baru No. 2" in cek(client, card.receipt.number)


def test_tomorrow_the_page_is_built_again(client, sepinggan):
    card = ready_card(kelurahan=sepinggan)
    cek(client, card.receipt.number)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with (
        mock.patch("portal.lookup_cache.timezone.localdate", return_value=tomorrow),
        mock.patch("portal.views.selectors.receipt_lookup", wraps=_real_lookup()) as selector,
    ):
        assert "Siap diambil" in cek(client, card.receipt.number)
    selector.assert_called_once()


def _real_lookup():
    from portal.selectors import receipt_lookup

    return receipt_lookup


def test_a_corrected_name_shows_at_once(client, receipt):
    assert "S*** W***" in cek(client, receipt.number)
    receipt.resident.full_name = "Rina Lestari"
    receipt.resident.save()
    page = cek(client, receipt.number)
    assert "R*** L***" in page
    assert "S*** W***" not in page


def test_an_office_moved_in_the_admin_shows_at_once(client, staff, receipt, kota):
    assert "Jl. Jend. Sudirman (contoh)" not in cek(client, receipt.number)
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        reverse("admin:receipts_receipt_change", args=[receipt.pk]),
        {
            "recorded_at_0": "2017-03-01",
            "recorded_at_1": "10:00:00",
            "recorded_place": receipt.recorded_place,
            "collection_kecamatan": kota.pk,
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
            "events-0-id": receipt.events.first().pk,
            "events-0-receipt": receipt.pk,
        },
    )
    assert response.status_code == 302
    assert "Jl. Jend. Sudirman (contoh)" in cek(client, receipt.number)
