"""Who may open the counter, and on which cards: the permission matrix of /loket/."""

import pytest
from django.test import Client
from django.urls import reverse

from distribution.models import HandOver
from distribution.services import handover_record
from receipts.models import Status
from tests.factories import dispatched_cards


def hand_over(card, clerk):
    return handover_record(
        receipt=card.receipt,
        actor=clerk,
        collected_by=HandOver.CollectedBy.RESIDENT,
        identity_check=HandOver.IdentityCheck.RECEIPT,
    )


COUNTER_URLS = [
    ("loket:home", {}),
    ("loket:receipt", {"number": "BPN1708050123"}),
    ("loket:undo", {"number": "BPN1708050123"}),
    ("loket:arrivals", {}),
    ("loket:arrival", {"pk": 1}),
    ("loket:today", {}),
    ("loket:today_csv", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), COUNTER_URLS)
def test_anonymous_is_sent_to_login_on_every_url(anonymous, card_selatan, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = anonymous.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("loket:login") + "?next=" + url


@pytest.mark.parametrize(("name", "kwargs"), COUNTER_URLS)
def test_account_without_officer_row_gets_403(client, staff, card_selatan, name, kwargs):
    client.force_login(staff)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 403
    assert "bukan akun petugas loket" in response.content.decode()


def test_clerk_cannot_see_other_kecamatan_card(client, clerk_selatan, card_kota):
    client.force_login(clerk_selatan)
    response = client.get(reverse("loket:receipt", args=[card_kota.receipt.number]))
    assert response.status_code == 404
    assert "Budi Santoso" not in response.content.decode()


def test_clerk_cannot_hand_over_other_kecamatan_card(client, clerk_selatan, card_kota):
    client.force_login(clerk_selatan)
    response = client.post(
        reverse("loket:receipt", args=[card_kota.receipt.number]),
        {"collected_by": "resident", "identity_check": "receipt"},
    )
    assert response.status_code == 404
    card_kota.receipt.refresh_from_db()
    assert card_kota.receipt.status == Status.READY
    assert not HandOver.objects.exists()


def test_supervisor_cannot_undo_other_kecamatan_hand_over(
    client, supervisor_selatan, clerk_kota, card_kota
):
    handover = hand_over(card_kota, clerk_kota)
    client.force_login(supervisor_selatan)
    url = reverse("loket:undo", args=[card_kota.receipt.number])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    handover.refresh_from_db()
    assert handover.undone_at is None


def test_search_results_exclude_other_kecamatan(client, clerk_selatan, card_selatan, card_kota):
    client.force_login(clerk_selatan)
    by_name = client.get(reverse("loket:home"), {"q": "budi"})
    assert "Budi Santoso" not in by_name.content.decode()
    assert "Tidak ditemukan" in by_name.content.decode()
    link = reverse("loket:receipt", args=[card_kota.receipt.number])
    by_number = client.get(reverse("loket:home"), {"q": card_kota.receipt.number})
    assert by_number.status_code == 200
    assert link not in by_number.content.decode()
    by_nik = client.get(reverse("loket:home"), {"q": card_kota.receipt.resident.nik})
    assert "Budi Santoso" not in by_nik.content.decode()
    assert link not in by_nik.content.decode()


def test_arrival_of_other_kecamatan_dispatch_is_404(client, clerk_selatan, kota, staff):
    dispatch, _ = dispatched_cards(kecamatan=kota, count=1, sent_by=staff)
    client.force_login(clerk_selatan)
    url = reverse("loket:arrival", args=[dispatch.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    dispatch.refresh_from_db()
    assert dispatch.state == "sent"
    assert f"#{dispatch.pk}" not in client.get(reverse("loket:arrivals")).content.decode()


def test_clerk_cannot_undo_gets_403(client, clerk_selatan, card_selatan):
    handover = hand_over(card_selatan, clerk_selatan)
    client.force_login(clerk_selatan)
    url = reverse("loket:undo", args=[card_selatan.receipt.number])
    assert client.get(url).status_code == 403
    response = client.post(url, {"reason": "salah"})
    assert response.status_code == 403
    assert "Hanya supervisor" in response.content.decode()
    handover.refresh_from_db()
    assert handover.undone_at is None
    # and the card page offers no undo button to a clerk
    page = client.get(reverse("loket:receipt", args=[card_selatan.receipt.number]))
    assert url not in page.content.decode()


def test_supervisor_can_undo(client, supervisor_selatan, clerk_selatan, card_selatan):
    handover = hand_over(card_selatan, clerk_selatan)
    client.force_login(supervisor_selatan)
    card_url = reverse("loket:receipt", args=[card_selatan.receipt.number])
    assert (
        reverse("loket:undo", args=[card_selatan.receipt.number])
        in client.get(card_url).content.decode()
    )
    response = client.post(
        reverse("loket:undo", args=[card_selatan.receipt.number]),
        {"reason": "Diserahkan ke orang yang salah", "handover": handover.pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == card_url
    page = response.content.decode()
    assert "kembali siap diambil" in page
    assert "Serah terima dibatalkan: Diserahkan ke orang yang salah" in page
    handover.refresh_from_db()
    assert handover.undone_by == supervisor_selatan
    card_selatan.receipt.refresh_from_db()
    assert card_selatan.receipt.status == Status.READY


def test_undo_without_reason_is_refused(client, supervisor_selatan, clerk_selatan, card_selatan):
    handover = hand_over(card_selatan, clerk_selatan)
    client.force_login(supervisor_selatan)
    response = client.post(
        reverse("loket:undo", args=[card_selatan.receipt.number]),
        {"reason": "", "handover": handover.pk},
    )
    assert response.status_code == 400
    assert "Tuliskan alasan pembatalan" in response.content.decode()
    handover.refresh_from_db()
    assert handover.undone_at is None


def test_malformed_number_in_url_is_404(client, clerk_selatan):
    client.force_login(clerk_selatan)
    assert client.get("/loket/resi/%3Cscript%3E/").status_code == 404


def test_counter_pages_are_not_cached(client, clerk_selatan, card_selatan):
    client.force_login(clerk_selatan)
    response = client.get(reverse("loket:receipt", args=[card_selatan.receipt.number]))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


CSRF_FORMS = [
    ("loket:receipt", {"collected_by": "resident", "identity_check": "receipt"}),
    ("loket:undo", {"reason": "salah"}),
    ("loket:arrival", {}),
    ("loket:logout", {}),
]


@pytest.mark.parametrize(("name", "data"), CSRF_FORMS)
def test_every_form_needs_the_csrf_token(
    supervisor_selatan, clerk_selatan, card_selatan, selatan, staff, name, data
):
    dispatch, _ = dispatched_cards(kecamatan=selatan, count=1, sent_by=staff)
    hand_over_first = name == "loket:undo"
    if hand_over_first:
        hand_over(card_selatan, clerk_selatan)
    kwargs = {
        "loket:receipt": {"number": card_selatan.receipt.number},
        "loket:undo": {"number": card_selatan.receipt.number},
        "loket:arrival": {"pk": dispatch.pk},
        "loket:logout": {},
    }[name]
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor_selatan)
    response = client.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 403
    card_selatan.receipt.refresh_from_db()
    expected = Status.COLLECTED if hand_over_first else Status.READY
    assert card_selatan.receipt.status == expected
    dispatch.refresh_from_db()
    assert dispatch.state == "sent"


def test_login_form_needs_the_csrf_token(clerk_selatan):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("loket:login"), {"username": "loket.selatan", "password": "sandi-uji-123"}
    )
    assert response.status_code == 403


def test_other_kecamatan_card_names_only_the_kecamatan_holding_it(client, clerk_selatan, card_kota):
    # The public page tells anyone where a card is collected; the counter says as much, so
    # the clerk can send the resident there, and nothing more about the resident.
    client.force_login(clerk_selatan)
    other = client.get(reverse("loket:receipt", args=[card_kota.receipt.number]))
    unknown = client.get(reverse("loket:receipt", args=["BPN0000000000"]))
    assert other.status_code == unknown.status_code == 404
    page = other.content.decode()
    assert "Kartu ini diambil di Kecamatan Balikpapan Kota, bukan di loket ini." in page
    resident = card_kota.receipt.resident
    for private in (resident.full_name, "Budi", resident.nik, "Prapatan", "Siap diambil"):
        assert private not in page, private
    assert card_kota.serial not in page
    assert f'href="{reverse("loket:home")}"' in page
    assert card_kota.receipt.number not in page
    assert "Balikpapan Kota" not in unknown.content.decode()
    assert "Tidak ditemukan di kecamatan ini" in unknown.content.decode()


def test_search_for_another_kecamatans_number_or_nik_names_that_kecamatan(
    client, clerk_selatan, card_kota
):
    client.force_login(clerk_selatan)
    resident = card_kota.receipt.resident
    for query in (card_kota.receipt.number, resident.nik):
        response = client.get(reverse("loket:home"), {"q": query})
        page = response.content.decode()
        assert response.status_code == 200
        assert "Kartu ini diambil di Kecamatan Balikpapan Kota" in page
        assert resident.full_name not in page and "Siap diambil" not in page
