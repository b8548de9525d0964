"""The counter's search as a clerk with a queue uses it: any word of the name, namesakes told
apart, one match by NIK opening the card."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import ResidentFactory, ready_card


@pytest.fixture
def counter(client, clerk_selatan):
    client.force_login(clerk_selatan)
    return client


def search(counter, query):
    return counter.get(reverse("loket:home"), {"q": query}).content.decode()


def card_url(card):
    return reverse("loket:receipt", args=[card.receipt.number])


@pytest.fixture
def nabila(sepinggan):
    return ready_card(resident=ResidentFactory(full_name="Nabila Eka Pratama", kelurahan=sepinggan))


@pytest.mark.parametrize("query", ["Nabila", "nabila", "eka", "EKA", "prat", "nabila pratama"])
def test_any_word_of_the_name_finds_the_resident(counter, nabila, query):
    assert card_url(nabila) in search(counter, query)


def test_accents_do_not_matter_either_way(counter, sepinggan):
    card = ready_card(resident=ResidentFactory(full_name="Désy Ratnasari", kelurahan=sepinggan))
    assert card_url(card) in search(counter, "desy")
    plain = ready_card(resident=ResidentFactory(full_name="Andre Wijaya", kelurahan=sepinggan))
    assert card_url(plain) in search(counter, "andré")


def test_a_word_is_matched_at_its_start_not_inside(counter, nabila):
    assert card_url(nabila) not in search(counter, "bila")
    assert card_url(nabila) not in search(counter, "nabila putri")


def test_whole_words_and_the_start_of_the_name_rank_first(counter, sepinggan):
    inside = ready_card(resident=ResidentFactory(full_name="Ahmad Ekaputra", kelurahan=sepinggan))
    middle = ready_card(
        resident=ResidentFactory(full_name="Nabila Eka Pratama", kelurahan=sepinggan)
    )
    first = ready_card(resident=ResidentFactory(full_name="Eka Susanti", kelurahan=sepinggan))
    page = search(counter, "eka")
    positions = [page.index(card_url(card)) for card in (first, middle, inside)]
    assert positions == sorted(positions)


def test_namesakes_are_told_apart_by_birth_date_and_kelurahan(counter, sepinggan):
    for year in (1971, 1985, 1990, 2001):
        ready_card(
            resident=ResidentFactory(
                full_name="Adi Wijaya",
                kelurahan=sepinggan,
                sex="L",
                birth_date=datetime.date(year, 5, 2),
            )
        )
    page = search(counter, "adi wijaya")
    for year in (1971, 1985, 1990, 2001):
        assert f"02-05-{year}" in page
    assert page.count("Sepinggan") >= 4 and page.count("Siap diambil") >= 4
    assert "Tanggal lahir" in page


def test_search_is_scoped_to_the_clerks_kecamatan(counter, card_kota):
    assert card_url(card_kota) not in search(counter, "budi")


def test_two_receipts_for_one_nik_are_listed_not_opened(counter, card_selatan):
    from receipts.models import Status
    from tests.factories import ReceiptFactory

    ReceiptFactory(resident=card_selatan.receipt.resident, status=Status.CANCELLED)
    response = counter.get(reverse("loket:home"), {"q": card_selatan.receipt.resident.nik})
    assert response.status_code == 200
    assert card_url(card_selatan) in response.content.decode()


def test_every_counter_page_has_the_scan_box(counter, card_selatan):
    for url in (
        reverse("loket:home"),
        card_url(card_selatan),
        reverse("loket:arrivals"),
        reverse("loket:today"),
    ):
        page = counter.get(url).content.decode()
        assert 'name="q"' in page and "data-scan-box" in page, url
