"""The public lookup page: a resident types a receipt number and sees where their card is."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from distribution.models import PickupSchedule
from distribution.printing_stats import printing_stats_refresh
from receipts.models import Status
from tests.factories import BlankBatchFactory, ReceiptFactory, ResidentFactory

from .conftest import make_receipt

LOOKUP = reverse("receipts:lookup")


def lookup(client, nomor):
    return client.get(LOOKUP, {"nomor": nomor})


def test_home_page_has_the_lookup_form_with_label_and_hint(anonymous):
    response = anonymous.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="nomor">Nomor resi</label>' in html
    assert 'name="nomor"' in html
    assert 'aria-describedby="nomor-hint"' in html
    assert "BPN-170805-0123" in html  # the format hint


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_each_status_shows_its_label(anonymous, receipts_by_status, status):
    receipt = receipts_by_status[status]
    response = lookup(anonymous, receipt.number)
    assert response.status_code == 200
    assert str(Status(status).label) in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_result_shows_masked_name_office_and_timeline(anonymous, receipt):
    response = lookup(anonymous, receipt.number)
    html = response.content.decode()
    assert "S*** W***" in html
    assert "Kantor Kecamatan Balikpapan Selatan" in html
    assert "Jl. Marsma R. Iswahyudi No. 1 (contoh)" in html
    assert "Senin–Jumat 08.00–15.00 WITA" in html
    # The timeline: the recording date in local (WITA) time and Indonesian month names.
    local = timezone.localtime(receipt.recorded_at)
    assert f"{local:%H.%M} WITA" in html
    assert '<ol class="timeline">' in html


def test_step_indicator_marks_the_current_step(anonymous, receipts_by_status):
    html = lookup(anonymous, receipts_by_status["dispatched"].number).content.decode()
    assert '<ol class="steps">' in html
    assert html.count('aria-current="step"') == 1
    assert '<li class="step-current" aria-current="step">Kirim' in html
    assert html.count('class="step-done"') == 2  # rekam, cetak


@pytest.mark.parametrize("status", ["on_hold", "cancelled"])
def test_no_step_indicator_off_the_normal_path(anonymous, receipts_by_status, status):
    html = lookup(anonymous, receipts_by_status[status].number).content.decode()
    assert '<ol class="steps">' not in html


def test_ready_shows_what_to_bring_and_the_kelurahan_schedule(anonymous, receipts_by_status):
    html = lookup(anonymous, receipts_by_status["ready"].number).content.decode()
    assert "Yang perlu dibawa" in html
    assert "surat kuasa" in html
    assert "KTP wakil sendiri" in html
    assert "Jadwal pengambilan untuk Kelurahan Sepinggan" in html
    assert "Khusus Kelurahan Sepinggan" in html
    assert "Semua kelurahan" in html  # a schedule for every kelurahan of the kecamatan
    assert "08.30–11.00 WITA" in html
    assert html.index("Khusus Kelurahan Sepinggan") < html.index("Semua kelurahan")  # by date


def test_schedule_of_another_kelurahan_is_not_shown(anonymous, receipts_by_status, selatan):
    from tests.factories import KelurahanFactory

    other = KelurahanFactory(kecamatan=selatan, name="Damai")
    PickupSchedule.objects.create(
        kecamatan=selatan,
        kelurahan=other,
        date=timezone.localdate() + datetime.timedelta(days=2),
        start_time=datetime.time(8),
        end_time=datetime.time(9),
        note="Khusus Damai",
    )
    html = lookup(anonymous, receipts_by_status["ready"].number).content.decode()
    assert "Khusus Damai" not in html


def test_ready_without_schedule_points_to_counter_hours(anonymous, receipt):
    from receipts.services import receipt_transition

    for to in ("queued", "printed", "dispatched", "ready"):
        receipt_transition(receipt=receipt, to=to, actor=None)
    html = lookup(anonymous, receipt.number).content.decode()
    assert "Datang ke loket kecamatan pada jam layanan loket di bawah." in html
    assert "Jadwal pengambilan" not in html  # no day to show, and no second instruction


def test_recorded_shows_queue_position_and_blanks_available(anonymous, sepinggan):
    first = make_receipt("recorded", kelurahan=sepinggan, number="BPN170701AAAA", day=1)
    make_receipt("recorded", kelurahan=sepinggan, number="BPN170702AAAA", name="Budi Santoso")
    mine = make_receipt("recorded", kelurahan=sepinggan, number="BPN170703AAAA", name="Ani", day=3)
    make_receipt("recorded", kelurahan=sepinggan, number="BPN170704AAAA", name="Dedi", day=4)
    BlankBatchFactory(quantity=10)
    assert first.number < mine.number
    html = lookup(anonymous, mine.number).content.decode()
    assert "Perkiraan cetak" in html
    assert "urutan ke-<strong>3</strong>" in html
    assert "Blanko (kartu kosong) yang ada cukup sampai urutan Anda." in html
    assert "Perkiraan dicetak antara" in html


def test_recorded_receipt_same_time_is_ordered_by_number(anonymous, sepinggan):
    make_receipt("recorded", kelurahan=sepinggan, number="BPN170701BBBB", day=1)
    mine = make_receipt("recorded", kelurahan=sepinggan, number="BPN170701CCCC", name="Ani", day=1)
    html = lookup(anonymous, mine.number).content.decode()
    assert "urutan ke-<strong>2</strong>" in html


def test_recorded_without_enough_blanks_says_waiting_for_delivery(anonymous, sepinggan):
    make_receipt("recorded", kelurahan=sepinggan, number="BPN170701AAAA", day=1)
    mine = make_receipt("recorded", kelurahan=sepinggan, number="BPN170702AAAA", name="Ani", day=2)
    BlankBatchFactory(quantity=1)
    html = lookup(anonymous, mine.number).content.decode()
    assert "belum cukup sampai urutan Anda" in html
    assert "Perlu 1 blanko lagi sebelum giliran Anda." in html
    assert "yang ada cukup sampai urutan Anda" not in html
    assert "Perkiraan dicetak" not in html  # no invented date


def test_recorded_estimate_uses_the_printing_rate(anonymous, sepinggan):
    from tests.factories import CardFactory

    mine = make_receipt("recorded", kelurahan=sepinggan, number="BPN170701AAAA", day=1)
    batch = BlankBatchFactory(quantity=100)
    for _ in range(8):  # 8 cards, all printed today
        CardFactory(batch=batch, outcome="printed", printed_at=timezone.now())
    printing_stats_refresh()  # as print_run_mark_printed does after marking cards printed
    html = lookup(anonymous, mine.number).content.decode()
    # 8 cards on one day are not a printing rate (tests/distribution/test_forecast.py): the
    # estimate says it uses the capacity staff entered, and why.
    assert "kapasitas cetak kantor (300–400 kartu per hari kerja)" in html
    assert "baru ada 1 hari cetak" in html
    assert "minggu" not in html.split("Perkiraan cetak")[1].split("</section>")[0]


def test_on_hold_says_to_visit_disdukcapil_with_receipt_and_kk(anonymous, receipts_by_status):
    html = lookup(anonymous, receipts_by_status["on_hold"].number).content.decode()
    assert "Yang perlu Anda lakukan" in html
    assert "Kartu Keluarga (KK)" in html
    assert "kantor Disdukcapil" in html


def test_cancelled_explains_briefly_without_office(anonymous, receipts_by_status):
    html = lookup(anonymous, receipts_by_status["cancelled"].number).content.decode()
    assert "tidak berlaku lagi" in html
    assert "Tempat pengambilan" not in html


def test_placeholder_contact_is_flagged(anonymous, receipt):
    kecamatan = receipt.collection_kecamatan
    kecamatan.contact_is_placeholder = True
    kecamatan.save()
    html = lookup(anonymous, receipt.number).content.decode()
    assert "alamat/jam sementara" in html


@pytest.mark.parametrize(
    "typed", ["bpn1708010001", "BPN-170801-0001", " BPN 1708 0100 01 ", "bpn_170801.0001"]
)
def test_number_is_normalised(anonymous, receipt, typed):
    response = lookup(anonymous, typed)
    assert response.status_code == 200
    assert "BPN1708010001" in response.content.decode()


def test_unknown_number_is_404_with_the_form_to_retry(anonymous, receipt):
    response = lookup(anonymous, "BPN-999999-9999")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Nomor resi tidak ditemukan" in html
    assert 'value="BPN9999999999"' in html  # pre-filled to correct
    assert "Tips memeriksa nomor" in html
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("typed", ["12", "BPN#1708", "<script>", "A" * 30, "resi? 123456"])
def test_malformed_number_is_400_with_hint_and_prefilled_form(anonymous, db, typed):
    response = lookup(anonymous, typed)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nomor resi ini tidak dikenali bentuknya" in html
    assert "BPN-170805-0123" in html  # the format hint
    assert 'aria-invalid="true"' in html
    assert "<script>" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_prefilled_value_is_what_was_typed(anonymous, db):
    html = lookup(anonymous, "BPN 17-08#01").content.decode()
    assert 'value="BPN 17-08#01"' in html


@pytest.mark.parametrize("query", ["", "?nomor=", "?nomor=%20%20"])
def test_missing_or_empty_number_is_400_not_a_dead_end(anonymous, db, query):
    response = anonymous.get(LOOKUP + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nomor resi belum diisi" in html
    assert 'name="nomor"' in html


@pytest.mark.parametrize(
    ("status", "queries"),
    [
        # One statement: receipt, resident, offices, the timeline aggregated in the database,
        # and the pickup days or the queue position and printing figures where shown.
        ("queued", 1),
        ("printed", 1),
        ("collected", 1),
        ("on_hold", 1),
        ("cancelled", 1),
        ("dispatched", 1),
        ("ready", 1),
        ("recorded", 1),
    ],
)
def test_lookup_costs_a_constant_number_of_queries(
    anonymous, receipts_by_status, django_assert_num_queries, status, queries
):
    receipt = receipts_by_status[status]
    for _ in range(5):  # more history must not mean more queries
        from receipts.models import ReceiptEvent

        ReceiptEvent.objects.create(receipt=receipt, from_status=status, to_status=status)
    with django_assert_num_queries(queries):
        response = lookup(anonymous, receipt.number)
    assert response.status_code == 200


def test_unknown_number_costs_one_query(anonymous, db, django_assert_num_queries, settings):
    # As in production, with the lookup cache on: the lookup's one statement also brings the
    # head office the page shows (and so it does with the cache off).
    settings.LOOKUP_CACHE_SECONDS = 600
    with django_assert_num_queries(1):
        assert lookup(anonymous, "BPN0000000000").status_code == 404


def test_malformed_number_costs_no_query(anonymous, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert lookup(anonymous, "x").status_code == 400


def test_the_receipt_is_collected_at_domicile_kecamatan_not_by_nik(anonymous, prapatan):
    resident = ResidentFactory(full_name="Rudi Hartono", kelurahan=prapatan, sex="L")
    receipt = ReceiptFactory(resident=resident, number="BPN1708019999")
    html = lookup(anonymous, receipt.number).content.decode()
    assert "Kantor Kecamatan Balikpapan Kota" in html
