"""Issue 17 in a real browser at 360 px: the estimate, a misprint, a published day, the head
office, /bantuan/ and the English page; each with axe-core (0 serious or critical violations),
no script and under 30 KB. Screenshots go to artifacts/screenshots/answer-*.png."""

import datetime

import pytest
from django.utils import timezone

from distribution.models import BlankBatch, Card, PrintingPlan
from distribution.printing_stats import printing_stats_refresh
from receipts.models import HeadOffice, Status
from receipts.services import receipt_transition
from tests.factories import (
    BlankBatchFactory,
    PrintRunFactory,
    ReceiptFactory,
    ResidentFactory,
    waiting_receipts,
)

from .conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser

BUDGET = 30 * 1024


def visit(page, path, name):
    response = page.goto(page.base + path)
    assert page.locator("script").count() == 0  # no JavaScript on public pages
    assert len(response.body()) < BUDGET
    assert axe_violations(page, f"answer-{name}") == []
    screenshot(page, f"answer-{name}")
    return page.locator("main").inner_text()


def cek(page, number, name):
    return visit(page, f"/cek/?nomor={number}", name)


@pytest.fixture
def office(transactional_db):
    HeadOffice.objects.update_or_create(
        pk=HeadOffice.SINGLETON_ID,
        defaults={
            "address": "Jl. Jenderal Sudirman No. 1, Balikpapan (alamat contoh)",
            "counter_hours": "1-4 08:00-15:00; 5 08:00-11:00",
            "phone": "0542-000-0100",
            "whatsapp": "0812-0000-0100",
            "email": "disdukcapil@example.go.id",
            "contact_is_placeholder": True,
        },
    )


def printed_days(kelurahan, *, days, per_day, prefix):
    """Cards printed on each of the last ``days`` working days, ``per_day`` a day."""
    batch = BlankBatchFactory(quantity=days * per_day, received_on=datetime.date(2026, 1, 5))
    run = PrintRunFactory(requested=days * per_day, allocated=days * per_day, state="printed")
    receipts = waiting_receipts(
        kelurahan=kelurahan,
        count=days * per_day,
        first_recorded_at=timezone.now() - datetime.timedelta(days=400),
        prefix=prefix,
    )
    day, cards, i = timezone.localdate(), [], 0
    while i < len(receipts):
        day -= datetime.timedelta(days=1)
        if day.isoweekday() > 5:
            continue
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        for receipt in receipts[i : i + per_day]:
            cards.append(
                Card(
                    serial=f"{prefix}-{i}",
                    receipt=receipt,
                    print_run=run,
                    batch=batch,
                    position=i,
                    outcome=Card.Outcome.PRINTED,
                    printed_at=at,
                )
            )
            i += 1
    Card.objects.bulk_create(cards, batch_size=500)
    type(receipts[0]).objects.filter(pk__in=[r.pk for r in receipts]).update(
        status=Status.COLLECTED, collected_at=timezone.now()
    )
    BlankBatch.objects.filter(pk=batch.pk).update(used=len(receipts))


def waiting(kelurahan, number, *, ahead):
    """A `recorded` receipt with ``ahead`` waiting receipts before it."""
    first = timezone.make_aware(datetime.datetime(2025, 11, 3, 9))
    if ahead:
        waiting_receipts(kelurahan=kelurahan, count=ahead, first_recorded_at=first, prefix="W")
    return ReceiptFactory(
        number=number,
        resident=ResidentFactory(full_name="Siti Wahyuni", kelurahan=kelurahan),
        status=Status.RECORDED,
        recorded_at=first + datetime.timedelta(days=30),
    )


@pytest.fixture
def sepinggan(transactional_db):
    """Sepinggan with its kecamatan office, and no blanks or cards yet."""
    from tests.factories import KecamatanFactory, KelurahanFactory

    KecamatanFactory.reset_sequence()
    selatan = KecamatanFactory(
        code="64.71.05",
        name="Balikpapan Selatan",
        slug="selatan",
        address="Jl. Marsma R. Iswahyudi No. 12, Sepinggan (alamat contoh)",
        counter_hours="1-4 08:00-15:00; 5 08:00-11:00",
        contact_is_placeholder=True,
    )
    return KelurahanFactory(code="64.71.05.1002", name="Sepinggan", kecamatan=selatan)


def test_recorded_with_enough_blanks_shows_a_date_range_and_its_reason(page, sepinggan, office):
    printed_days(sepinggan, days=20, per_day=320, prefix="S")
    BlankBatchFactory(quantity=5000)
    mine = waiting(sepinggan, "BPN2512010001", ahead=799)
    printing_stats_refresh()
    text = cek(page, mine.number, "recorded-enough")
    assert "Perkiraan dicetak antara" in text
    assert "rata-rata 320 kartu per hari cetak selama 20 hari cetak terakhir" in text


def test_recorded_with_too_few_blanks_says_how_many_are_missing(page, sepinggan, office):
    mine = waiting(sepinggan, "BPN2512010001", ahead=120)
    printing_stats_refresh()
    left = PrintingPlan.objects.get().blanks_left
    text = cek(page, mine.number, "recorded-short")
    assert f"Perlu {121 - left} blanko lagi sebelum giliran Anda." in text
    assert "Perkiraan dicetak" not in text


def test_after_one_tiny_run_the_estimate_uses_capacity(page, sepinggan, office):
    printed_days(sepinggan, days=1, per_day=4, prefix="T")
    BlankBatchFactory(quantity=5000)
    mine = waiting(sepinggan, "BPN2512010001", ahead=799)
    printing_stats_refresh()
    text = cek(page, mine.number, "recorded-tiny-run")
    assert "kapasitas cetak kantor (300–400 kartu per hari kerja)" in text
    assert "minggu" not in text.split("Perkiraan cetak")[1]


def test_a_misprinted_receipt_says_so_in_the_timeline(page, sepinggan, office):
    BlankBatchFactory(quantity=5000)
    printing_stats_refresh()
    mine = waiting(sepinggan, "BPN2512010001", ahead=0)
    for to in (Status.QUEUED, Status.PRINTED, Status.RECORDED):
        receipt_transition(receipt=mine, to=to, actor=None)
    text = cek(page, mine.number, "misprint")
    assert "Salah cetak — dicetak ulang, urutan Anda tetap" in text
    assert "Kartu Anda salah cetak dan akan dicetak ulang." in text


def test_dispatched_with_a_published_day(page, demo, office):
    text = cek(page, demo["dispatched"], "dispatched-day")
    assert "datang hanya jika statusnya sudah “Siap diambil”" in text
    assert "Jadwal pengambilan untuk Kelurahan Sepinggan" in text


def test_on_hold_shows_the_head_office(page, demo, office):
    text = cek(page, demo["on_hold"], "on-hold")
    assert "Jl. Jenderal Sudirman No. 1" in text
    assert "0812-0000-0100" in text
    assert "masih contoh" in text


def test_unknown_number_shows_the_head_office_and_help(page, demo, office):
    page.goto(page.base + "/cek/?nomor=BPN1708099999")
    assert page.locator("script").count() == 0
    assert axe_violations(page, "answer-unknown") == []
    screenshot(page, "answer-unknown")
    text = page.locator("main").inner_text()
    assert "Jl. Jenderal Sudirman No. 1" in text
    assert page.get_by_role("link", name="Resi hilang atau nomor tetap tidak ditemukan?").count()


def test_bantuan_page(page, office, transactional_db):
    text = visit(page, "/bantuan/", "bantuan")
    for heading in ("Resi hilang", "Kartu rusak", "Data di kartu harus diubah", "Pindah rumah"):
        assert heading in text
    assert "surat kuasa" in text


def test_english_ready_page(page, demo, office):
    page.goto(page.base + f"/cek/?nomor={demo['ready']}")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert axe_violations(page, "answer-ready-en") == []
    screenshot(page, "answer-ready-en")
    text = page.locator("main").inner_text()
    assert "Make sure these initials are yours." in text
    assert "Monday–Friday 08:00–15:00 WITA" in text


def test_statistics_table_is_readable_at_360_and_1280(page, demo):
    page.goto(page.base + "/statistik/")
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        table = page.locator("table.stack")
        box, main = table.bounding_box(), page.locator("main").bounding_box()
        # Nothing cut off: the table fits inside the page, no sideways scrolling needed.
        assert (
            box["x"] >= main["x"] - 1 and box["x"] + box["width"] <= main["x"] + main["width"] + 1
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, "answer-statistik")
