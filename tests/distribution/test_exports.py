"""Staff CSV exports: the print list of a run and receipts by status and kecamatan."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from distribution.models import Card
from receipts.models import Status
from tests.factories import (
    CardFactory,
    PrintRunFactory,
    ReceiptFactory,
    ResidentFactory,
    UserFactory,
)


def rows_of(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.fixture
def run_with_cards(sepinggan, prapatan, staff):
    run = PrintRunFactory(created_by=staff)
    people = [
        ("Siti Wahyuni", sepinggan, 2),
        ("Budi Santoso", prapatan, 0),
        ("Ani Lestari", sepinggan, 1),
    ]
    for name, kelurahan, position in people:
        receipt = ReceiptFactory(
            resident=ResidentFactory(full_name=name, kelurahan=kelurahan), status=Status.QUEUED
        )
        CardFactory(receipt=receipt, print_run=run, position=position)
    return run


def test_print_list_is_in_allocation_order_with_the_card_facts(staff_client, run_with_cards):
    response = staff_client.get(reverse("ekspor:print_list", args=[run_with_cards.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == [
        "urutan",
        "nomor_seri_kartu",
        "nomor_resi",
        "nama",
        "nik",
        "kelurahan",
        "kecamatan",
        "hasil_cetak",
    ]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert [r[3] for r in rows[1:]] == ["Budi Santoso", "Ani Lestari", "Siti Wahyuni"]
    first = Card.objects.get(print_run=run_with_cards, position=0)
    assert rows[1][1:3] == [first.serial, first.receipt.number]
    assert rows[1][4] == first.receipt.resident.nik
    assert rows[1][5:7] == ["Prapatan", "Balikpapan Kota"]


def test_print_list_is_one_query_whatever_the_number_of_cards(
    staff_client, run_with_cards, django_assert_max_num_queries
):
    url = reverse("ekspor:print_list", args=[run_with_cards.pk])
    # session, user, permissions (user + group), the run, the cards.
    with django_assert_max_num_queries(6):
        rows_of(staff_client.get(url))
    kelurahan = Card.objects.filter(print_run=run_with_cards).first().receipt.resident.kelurahan
    for position in range(3, 13):
        receipt = ReceiptFactory(resident=ResidentFactory(kelurahan=kelurahan))
        CardFactory(receipt=receipt, print_run=run_with_cards, position=position)
    with django_assert_max_num_queries(6):
        assert len(rows_of(staff_client.get(url))) == 14


def test_print_list_of_an_unknown_run_is_404(staff_client, db):
    assert staff_client.get(reverse("ekspor:print_list", args=[999])).status_code == 404


def test_receipts_export_filters_by_status_and_kecamatan(staff_client, sepinggan, prapatan):
    recorded_at = datetime.datetime(2017, 8, 1, 1, 30, tzinfo=datetime.UTC)
    ReceiptFactory(
        number="BPN0000000001",
        resident=ResidentFactory(kelurahan=sepinggan),
        status=Status.READY,
        recorded_at=recorded_at,
    )
    ReceiptFactory(number="BPN0000000002", resident=ResidentFactory(kelurahan=sepinggan))
    ReceiptFactory(
        number="BPN0000000003", resident=ResidentFactory(kelurahan=prapatan), status=Status.READY
    )
    url = reverse("ekspor:receipts")
    rows = rows_of(staff_client.get(url, {"status": "ready", "kecamatan": "selatan"}))
    assert rows[0] == [
        "nomor_resi",
        "status",
        "keterangan_status",
        "kecamatan",
        "kelurahan",
        "waktu_rekam",
        "status_berubah",
    ]
    assert len(rows) == 2
    number, status, label, kecamatan, kelurahan, recorded, _changed = rows[1]
    assert (number, status, label) == ("BPN0000000001", "ready", "Siap diambil")
    assert (kecamatan, kelurahan) == ("Balikpapan Selatan", "Sepinggan")
    assert recorded == "2017-08-01 09:30"  # WITA
    assert [r[0] for r in rows_of(staff_client.get(url))[1:]] == [
        "BPN0000000001",
        "BPN0000000002",
        "BPN0000000003",
    ]
    assert len(rows_of(staff_client.get(url, {"status": "ready"}))) == 3


def test_receipts_export_is_constant_in_queries(
    staff_client, sepinggan, django_assert_max_num_queries
):
    url = reverse("ekspor:receipts")
    ReceiptFactory(resident=ResidentFactory(kelurahan=sepinggan))
    with django_assert_max_num_queries(6):
        rows_of(staff_client.get(url, {"kecamatan": "selatan"}))
    for _ in range(10):
        ReceiptFactory(resident=ResidentFactory(kelurahan=sepinggan))
    with django_assert_max_num_queries(6):
        assert len(rows_of(staff_client.get(url, {"kecamatan": "selatan"}))) == 12


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "hilang"}, "Status tidak dikenal: hilang."),
        ({"kecamatan": "mars"}, "Kecamatan tidak dikenal: mars."),
        # Control characters are written out, never echoed raw.
        ({"kecamatan": "\x00"}, "Kecamatan tidak dikenal: \\x00."),
        ({"status": "ready\u202e"}, "Status tidak dikenal: ready\\u202e."),
        ({"kecamatan": "x" * 500}, "Kecamatan tidak dikenal: " + "x" * 60 + "…."),
    ],
    ids=["status", "kecamatan", "nul", "bidi", "long"],
)
def test_unknown_filter_is_a_400_with_a_message(staff_client, db, query, message):
    response = staff_client.get(reverse("ekspor:receipts"), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_anonymous_is_sent_to_the_admin_login(anonymous, db):
    response = anonymous.get(reverse("ekspor:receipts"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_clerk_cannot_export(client, clerk_selatan, run_with_cards):
    client.force_login(clerk_selatan)
    assert client.get(reverse("ekspor:receipts")).status_code == 403
    assert client.get(reverse("ekspor:print_list", args=[run_with_cards.pk])).status_code == 403


def test_staff_account_without_permissions_cannot_export(client, db):
    client.force_login(UserFactory(username="tamu", is_staff=True))
    assert client.get(reverse("ekspor:receipts")).status_code == 403


def test_exports_refuse_post(staff_client, db):
    assert staff_client.post(reverse("ekspor:receipts")).status_code == 405
