"""The counter pages as a clerk uses them: log in, find, check identity, hand over, close the day."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse

from distribution.models import Dispatch, HandOver
from distribution.services import handover_record, handover_undo
from receipts.models import Status
from tests.factories import ResidentFactory, dispatched_cards, ready_card

WITA = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def counter(client, clerk_selatan):
    client.force_login(clerk_selatan)
    return client


def card_url(card):
    return reverse("loket:receipt", args=[card.receipt.number])


# --- login ---------------------------------------------------------------------------------


def test_login_page_is_in_indonesian(anonymous):
    page = anonymous.get(reverse("loket:login")).content.decode()
    assert "Masuk loket" in page and "Nama pengguna" in page and "Sandi" in page


def test_login_session_expires_at_local_midnight(anonymous, clerk_selatan):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 10, 42, tzinfo=WITA), tick=False):
        response = anonymous.post(
            reverse("loket:login"), {"username": "loket.selatan", "password": "sandi-uji-123"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("loket:home")
        expiry = anonymous.session.get_expiry_date()
    assert expiry == datetime.datetime(2018, 8, 21, 0, 0, tzinfo=WITA)


def test_login_just_before_midnight_still_ends_at_midnight(anonymous, clerk_selatan):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 23, 59, tzinfo=WITA), tick=False):
        anonymous.post(
            reverse("loket:login"), {"username": "loket.selatan", "password": "sandi-uji-123"}
        )
        assert anonymous.session.get_expiry_age() == 60


def test_session_is_gone_after_midnight(anonymous, clerk_selatan):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 14, 0, tzinfo=WITA), tick=False):
        anonymous.post(
            reverse("loket:login"), {"username": "loket.selatan", "password": "sandi-uji-123"}
        )
        assert anonymous.get(reverse("loket:home")).status_code == 200
    with time_machine.travel(datetime.datetime(2018, 8, 21, 0, 1, tzinfo=WITA), tick=False):
        assert anonymous.get(reverse("loket:home")).status_code == 302


def test_wrong_password_shows_indonesian_error(anonymous, clerk_selatan):
    response = anonymous.post(
        reverse("loket:login"), {"username": "loket.selatan", "password": "salah"}
    )
    assert response.status_code == 200
    assert "Nama pengguna atau sandi salah" in response.content.decode()


def test_logout_is_a_post(counter):
    assert counter.get(reverse("loket:logout")).status_code == 405
    response = counter.post(reverse("loket:logout"))
    assert response["Location"] == reverse("loket:login")
    assert counter.get(reverse("loket:home")).status_code == 302


# --- find ----------------------------------------------------------------------------------


def test_search_box_autofocuses(counter):
    page = counter.get(reverse("loket:home")).content.decode()
    assert 'name="q"' in page and "autofocus" in page


@pytest.mark.parametrize(
    "scanned", ["BPN1708050123", "bpn-170805-0123", " BPN 170805 0123\n", "bpn1708050123\r\n"]
)
def test_scanner_input_goes_straight_to_the_card(counter, card_selatan, scanned):
    response = counter.get(reverse("loket:home"), {"q": scanned})
    assert response.status_code == 302
    assert response["Location"] == card_url(card_selatan)


def test_lost_receipt_is_found_by_nik(counter, card_selatan):
    # One receipt for the NIK: the card opens at once, as for a scanned number.
    response = counter.get(reverse("loket:home"), {"q": card_selatan.receipt.resident.nik})
    assert response.status_code == 302
    assert response["Location"] == card_url(card_selatan)
    page = counter.get(response["Location"]).content.decode()
    assert "Sepinggan" in page and "Siap diambil" in page


def test_partial_nik_finds_nothing(counter, card_selatan):
    page = counter.get(reverse("loket:home"), {"q": card_selatan.receipt.resident.nik[:12]})
    assert card_url(card_selatan) not in page.content.decode()


@pytest.mark.parametrize("query", ["siti", "WAHY", "siti wah", "Wahyuni"])
def test_name_search_matches_word_prefixes(counter, card_selatan, query):
    page = counter.get(reverse("loket:home"), {"q": query}).content.decode()
    assert card_url(card_selatan) in page


def test_name_search_does_not_match_inside_words(counter, card_selatan):
    page = counter.get(reverse("loket:home"), {"q": "ahyu"}).content.decode()
    assert card_url(card_selatan) not in page


def test_name_search_is_limited(counter, sepinggan):
    for _ in range(52):
        ready_card(resident=ResidentFactory(full_name="Rahmat Hidayat", kelurahan=sepinggan))
    page = counter.get(reverse("loket:home"), {"q": "rahmat"}).content.decode()
    assert page.count("/loket/resi/") == 50
    assert "Hanya 50 hasil pertama" in page


# --- card page and hand-over ---------------------------------------------------------------


def test_card_page_shows_what_the_clerk_checks(counter, card_selatan):
    page = counter.get(card_url(card_selatan)).content.decode()
    resident = card_selatan.receipt.resident
    for expected in (
        "Siti Wahyuni",
        resident.nik,
        "14 Maret 1990",
        "Perempuan",
        "Sepinggan",
        "Siap diambil",
        card_selatan.serial,
        "Serahkan kartu",
    ):
        assert expected in page, expected


def test_card_page_query_count_is_pinned(
    counter, card_selatan, clerk_selatan, django_assert_num_queries
):
    url = card_url(card_selatan)
    # session, user, officer, receipt+resident+kelurahan, active hand-over, card, events+actor,
    # id document types (form)
    with django_assert_num_queries(8):
        counter.get(url)
    handover_record(
        receipt=card_selatan.receipt,
        actor=clerk_selatan,
        collected_by="resident",
        identity_check="receipt",
    )
    # a longer timeline adds no query per event; the form (document types) is gone
    with django_assert_num_queries(7):
        counter.get(url)


def test_card_not_yet_arrived_says_why(counter, resident):
    from tests.factories import CardFactory, ReceiptFactory

    card = CardFactory(receipt=ReceiptFactory(resident=resident, status=Status.DISPATCHED))
    page = counter.get(card_url(card)).content.decode()
    assert "Kartu belum sampai di kecamatan (status: Dikirim ke kecamatan)" in page
    assert "Serahkan kartu" not in page


def test_resident_collects_through_the_form(counter, card_selatan, clerk_selatan):
    response = counter.post(
        card_url(card_selatan),
        {"collected_by": "resident", "identity_check": "fingerprint"},
        follow=True,
    )
    # Back at the scan box for the next person, the hand-over confirmed at the top.
    assert response.redirect_chain[-1][0] == reverse("loket:home")
    home = response.content.decode()
    assert "Kartu resi BPN1708050123 diserahkan: Siti Wahyuni, pemilik sendiri" in home
    assert 'id="id_q"' in home and "autofocus" in home
    page = counter.get(card_url(card_selatan)).content.decode()
    assert "Sudah diserahkan pada" in page and "oleh loket.selatan" in page
    card_selatan.receipt.refresh_from_db()
    assert card_selatan.receipt.status == Status.COLLECTED
    handover = HandOver.objects.get()
    assert handover.identity_check == "fingerprint" and handover.clerk == clerk_selatan


def test_proxy_collects_through_the_form(counter, card_selatan, ktp):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 10, 42, tzinfo=WITA), tick=False):
        response = counter.post(
            card_url(card_selatan),
            {
                "collected_by": "proxy",
                "identity_check": "document",
                "proxy_name": "Budi",
                "proxy_relationship": "suami",
                "proxy_authority": "kk",
                "id_document_type": ktp.pk,
                "id_document_number": "6471050101850003",
            },
            follow=True,
        )
        assert "diserahkan: Siti Wahyuni, diwakilkan Budi (suami), pukul 10:42." in (
            response.content.decode()
        )
        page = counter.get(card_url(card_selatan)).content.decode()
    assert "Sudah diserahkan pada 10:42 oleh loket.selatan (diwakilkan: Budi, suami)." in page
    assert HandOver.objects.get().proxy_authority == "kk"


def test_proxy_form_without_details_is_refused_with_field_errors(counter, card_selatan):
    response = counter.post(
        card_url(card_selatan), {"collected_by": "proxy", "identity_check": "receipt"}
    )
    assert response.status_code == 400
    assert response.content.decode().count("Wajib diisi jika diwakilkan.") == 5
    assert not HandOver.objects.exists()


def test_double_submission_is_harmless(counter, card_selatan):
    data = {"collected_by": "resident", "identity_check": "receipt"}
    counter.post(card_url(card_selatan), data)
    again = counter.post(card_url(card_selatan), data)
    assert again.status_code == 409
    page = again.content.decode()
    # Said once, where the clerk looks: under the "Serah terima" heading, not above the page.
    assert page.count("Sudah diserahkan pada") == 1
    assert page.index("Sudah diserahkan pada") > page.index('id="handover-heading"')
    assert HandOver.objects.count() == 1
    assert card_selatan.receipt.events.filter(to_status=Status.COLLECTED).count() == 1


def test_second_clerk_is_told_who_handed_it_over(
    client, clerk_selatan, clerk_selatan_2, card_selatan
):
    handover_record(
        receipt=card_selatan.receipt,
        actor=clerk_selatan,
        collected_by="resident",
        identity_check="receipt",
    )
    client.force_login(clerk_selatan_2)
    page = client.get(card_url(card_selatan)).content.decode()
    assert "oleh loket.selatan" in page and "Serahkan kartu" not in page


def test_undone_card_can_be_handed_over_again_and_timeline_shows_undo(
    counter, card_selatan, clerk_selatan, supervisor_selatan
):
    handover = handover_record(
        receipt=card_selatan.receipt,
        actor=clerk_selatan,
        collected_by="resident",
        identity_check="receipt",
    )
    handover_undo(handover=handover, actor=supervisor_selatan, reason="Salah orang")
    page = counter.get(card_url(card_selatan)).content.decode()
    assert "Serah terima dibatalkan: Salah orang" in page and "spv.selatan" in page
    assert "Serahkan kartu" in page
    counter.post(card_url(card_selatan), {"collected_by": "resident", "identity_check": "face"})
    assert HandOver.objects.filter(undone_at__isnull=True).count() == 1
    assert HandOver.objects.count() == 2


# --- arrival -------------------------------------------------------------------------------


def test_arrivals_list_shows_only_sent_dispatches_of_this_kecamatan(counter, selatan, staff):
    waiting, _ = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    page = counter.get(reverse("loket:arrivals")).content.decode()
    assert reverse("loket:arrival", args=[waiting.pk]) in page


def test_clerk_confirms_all_cards_arrived(counter, selatan, staff, clerk_selatan):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    response = counter.post(
        reverse("loket:arrival", args=[dispatch.pk]), {"note": "", "konfirmasi": "1"}, follow=True
    )
    assert "3 kartu siap diambil, 0 tidak ada" in response.content.decode()
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.RECEIVED and dispatch.received_by == clerk_selatan
    for card in cards:
        card.receipt.refresh_from_db()
        assert card.receipt.status == Status.READY


def test_clerk_ticks_missing_cards(counter, selatan, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    counter.post(
        reverse("loket:arrival", args=[dispatch.pk]),
        {"missing": [str(cards[0].pk)], "note": "1 kartu tidak ada di kotak", "konfirmasi": "1"},
    )
    cards[0].receipt.refresh_from_db()
    cards[1].receipt.refresh_from_db()
    assert cards[0].receipt.status == Status.DISPATCHED
    assert cards[1].receipt.status == Status.READY
    assert cards[0].dispatch_items.get().note == "1 kartu tidak ada di kotak"


def test_missing_cards_need_a_note(counter, selatan, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    response = counter.post(
        reverse("loket:arrival", args=[dispatch.pk]), {"missing": [str(cards[0].pk)]}
    )
    assert response.status_code == 400
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.SENT


def test_card_of_another_dispatch_cannot_be_ticked(counter, selatan, staff):
    dispatch, _ = dispatched_cards(kecamatan=selatan, count=1, sent_by=staff)
    _, other = dispatched_cards(kecamatan=selatan, count=1, sent_by=staff)
    response = counter.post(
        reverse("loket:arrival", args=[dispatch.pk]), {"missing": [str(other[0].pk)], "note": "x"}
    )
    assert response.status_code == 400


# --- today at this counter -----------------------------------------------------------------


@pytest.fixture
def day_of_handovers(card_selatan, clerk_selatan, supervisor_selatan, sepinggan, ktp):
    """Two hand-overs on 20 Aug 2018 (one undone), one the day before."""
    yesterday_card = ready_card(
        resident=ResidentFactory(full_name="Kemarin Saja", kelurahan=sepinggan)
    )
    other = ready_card(
        resident=ResidentFactory(full_name="=HYPERLINK(1)", kelurahan=sepinggan),
        number="BPN1708059999",
    )
    with time_machine.travel(datetime.datetime(2018, 8, 19, 23, 50, tzinfo=WITA), tick=False):
        handover_record(
            receipt=yesterday_card.receipt,
            actor=clerk_selatan,
            collected_by="resident",
            identity_check="receipt",
        )
    with time_machine.travel(datetime.datetime(2018, 8, 20, 9, 5, tzinfo=WITA), tick=False):
        first = handover_record(
            receipt=card_selatan.receipt,
            actor=clerk_selatan,
            collected_by="proxy",
            identity_check="document",
            proxy_name="Budi",
            proxy_relationship="suami",
            proxy_authority="kk",
            id_document_type=ktp,
            id_document_number="123",
        )
    with time_machine.travel(datetime.datetime(2018, 8, 20, 10, 0, tzinfo=WITA), tick=False):
        handover_undo(handover=first, actor=supervisor_selatan, reason="Salah orang")
        handover_record(
            receipt=other.receipt,
            actor=clerk_selatan,
            collected_by="resident",
            identity_check="receipt",
        )


def test_day_list_shows_todays_hand_overs_and_marks_undone(counter, day_of_handovers):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 15, 0, tzinfo=WITA), tick=False):
        page = counter.get(reverse("loket:today")).content.decode()
    assert "09:05" in page and "BPN1708050123" in page and "Budi (suami)" in page
    assert "DIBATALKAN 10:00 oleh spv.selatan: Salah orang" in page
    assert "Kemarin Saja" not in page
    # The undone hand-over stays listed, struck through, but the count follows the undo.
    assert "1 serah terima. (1 dibatalkan, tidak dihitung)" in page


def test_day_list_csv(counter, day_of_handovers, django_assert_max_num_queries):
    with (
        time_machine.travel(datetime.datetime(2018, 8, 20, 15, 0, tzinfo=WITA), tick=False),
        django_assert_max_num_queries(5),
    ):
        response = counter.get(reverse("loket:today_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="serah-terima-selatan-2018-08-20.csv"'
    )
    # The staff dialect: a BOM and semicolons, as every other export (Indonesian Excel).
    text = response.content.decode()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["Waktu", "Nomor resi", "Nama", "Diambil oleh", "Petugas", "Keterangan"]
    assert rows[1][:5] == [
        "09:05",
        "BPN1708050123",
        "Siti Wahyuni",
        "Diwakilkan: Budi (suami)",
        "loket.selatan",
    ]
    assert rows[1][5] == "Dibatalkan 10:00 oleh spv.selatan: Salah orang"
    # a name that looks like a formula is defused for spreadsheet programs
    assert rows[2][2] == "'=HYPERLINK(1)"
    assert len(rows) == 3


def test_day_list_of_other_kecamatan_is_not_shown(client, clerk_kota, day_of_handovers):
    client.force_login(clerk_kota)
    with time_machine.travel(datetime.datetime(2018, 8, 20, 15, 0, tzinfo=WITA), tick=False):
        page = client.get(reverse("loket:today")).content.decode()
    assert "BPN1708050123" not in page and "Belum ada serah terima" in page


def test_hand_over_post_on_a_card_not_yet_arrived_is_refused(counter, resident):
    from tests.factories import CardFactory, ReceiptFactory

    card = CardFactory(receipt=ReceiptFactory(resident=resident, status=Status.DISPATCHED))
    response = counter.post(card_url(card), {"collected_by": "resident", "identity_check": "face"})
    assert response.status_code == 409
    assert "status resi Dikirim ke kecamatan" in response.content.decode()
    card.receipt.refresh_from_db()
    assert card.receipt.status == Status.DISPATCHED
    assert not HandOver.objects.exists()


def test_undo_page_without_an_active_hand_over_goes_back_to_the_card(
    client, supervisor_selatan, card_selatan
):
    client.force_login(supervisor_selatan)
    response = client.get(reverse("loket:undo", args=[card_selatan.receipt.number]), follow=True)
    assert response.redirect_chain[-1][0] == card_url(card_selatan)
    assert "Tidak ada serah terima yang bisa dibatalkan" in response.content.decode()


def test_day_list_query_count_does_not_grow_with_rows(
    counter, day_of_handovers, django_assert_num_queries
):
    # session, user, officer, hand-overs with receipt, resident, clerk and undoer
    with (
        time_machine.travel(datetime.datetime(2018, 8, 20, 15, 0, tzinfo=WITA), tick=False),
        django_assert_num_queries(4),
    ):
        counter.get(reverse("loket:today"))


def test_arrivals_list_query_count_is_pinned(counter, selatan, staff, django_assert_num_queries):
    dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    with django_assert_num_queries(4):
        page = counter.get(reverse("loket:arrivals")).content.decode()
    assert page.count("Konfirmasi</a>") == 2


def test_day_list_of_a_past_day_links_rows_to_cards(counter, day_of_handovers):
    with time_machine.travel(datetime.datetime(2018, 8, 21, 9, 0, tzinfo=WITA), tick=False):
        today = counter.get(reverse("loket:today")).content.decode()
        past = counter.get(reverse("loket:today"), {"tanggal": "2018-08-20"}).content.decode()
        csv_past = counter.get(reverse("loket:today_csv"), {"tanggal": "2018-08-20"})
    assert "Belum ada serah terima hari ini." in today
    assert 'href="/loket/resi/BPN1708050123/"' in past
    assert "1 serah terima. (1 dibatalkan, tidak dihitung)" in past
    assert 'type="date"' in past and 'max="2018-08-21"' in past
    assert "serah-terima-selatan-2018-08-20.csv" in csv_past["Content-Disposition"]
    assert csv_past.content.decode().count("\n") == 3


@pytest.mark.parametrize(
    "tanggal,message",
    [
        ("2018-08-22", "Tanggal tidak boleh setelah hari ini."),
        ("20-08-2018", "Tanggal tidak dikenal"),
        ("0001-01-01", "sebelum tahun 2011"),
    ],
)
def test_day_list_refuses_a_future_or_malformed_day(counter, tanggal, message):
    with time_machine.travel(datetime.datetime(2018, 8, 21, 9, 0, tzinfo=WITA), tick=False):
        page = counter.get(reverse("loket:today"), {"tanggal": tanggal})
        csv_response = counter.get(reverse("loket:today_csv"), {"tanggal": tanggal})
    assert page.status_code == 400 and message in page.content.decode()
    assert csv_response.status_code == 400


def test_day_list_of_another_kecamatan_stays_hidden_on_past_days(
    client, clerk_kota, day_of_handovers
):
    client.force_login(clerk_kota)
    with time_machine.travel(datetime.datetime(2018, 8, 21, 9, 0, tzinfo=WITA), tick=False):
        page = client.get(reverse("loket:today"), {"tanggal": "2018-08-20"}).content.decode()
    assert "BPN1708050123" not in page and "Tidak ada serah terima" in page


def test_print_view_has_no_buttons_menu_or_search(counter, day_of_handovers):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 15, 0, tzinfo=WITA), tick=False):
        page = counter.get(reverse("loket:today"), {"cetak": "1"}).content.decode()
    assert "BPN1708050123" in page and "Budi (suami)" in page
    for absent in ("<button", "Keluar", 'name="q"', "counter-nav", "/loket/resi/"):
        assert absent not in page, absent


def test_clerk_confirms_the_arrival_on_a_second_page(counter, selatan, staff):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    url = reverse("loket:arrival", args=[dispatch.pk])
    first = counter.post(url, {"note": ""})
    page = first.content.decode()
    assert first.status_code == 200 and "3 kartu menjadi" in page
    assert 'name="konfirmasi" value="1"' in page and 'name="q"' in page
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.SENT
    counter.post(url, {"note": "", "konfirmasi": "1"})
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.RECEIVED


def test_card_page_speaks_english_when_asked(counter, card_selatan, settings):
    counter.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = counter.get(card_url(card_selatan)).content.decode()
    assert "Hand the card to the holder in person" in page and "By proxy…" in page
