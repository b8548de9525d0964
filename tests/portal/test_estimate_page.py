"""The waiting-time estimate end to end, with frozen clocks: real print runs on past days,
real deliveries of blanks, then the resident's page on "today" (Wednesday 2 December 2026).

Capacity is set to 3-4 cards a working day so that a handful of receipts stands for an office
printing hundreds; the arithmetic is the same (tests/distribution/test_forecast.py).
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from distribution.models import PrintingPlan
from distribution.services import blank_batch_receive, print_run_create, print_run_mark_printed
from receipts.models import Status
from tests.factories import ReceiptFactory, ResidentFactory, waiting_receipts

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
TODAY = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=WITA)  # a Wednesday


def at(day: datetime.date, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=WITA)


@pytest.fixture
def plan(db):
    plan, _ = PrintingPlan.objects.update_or_create(
        pk=PrintingPlan.SINGLETON_ID, defaults={"cards_per_day_min": 3, "cards_per_day_max": 4}
    )
    return plan


@pytest.fixture
def queue(sepinggan, plan):
    """30 waiting receipts recorded in 2017, then the resident's own, recorded after them."""
    start = datetime.datetime(2017, 7, 1, 9, tzinfo=WITA)
    waiting_receipts(kelurahan=sepinggan, count=30, first_recorded_at=start, prefix="Q")
    return ReceiptFactory(
        number="BPN1712010001",
        resident=ResidentFactory(full_name="Siti Wahyuni", kelurahan=sepinggan),
        status=Status.RECORDED,
        recorded_at=datetime.datetime(2017, 12, 1, 9, tzinfo=WITA),
    )


def deliver(staff, quantity, day, reference):
    with time_machine.travel(at(day, 8), tick=False):
        return blank_batch_receive(
            reference=reference, quantity=quantity, received_on=day, actor=staff
        )


def print_on(staff, day, count):
    with time_machine.travel(at(day), tick=False):
        run = print_run_create(kecamatan=None, count=count, cutoff_date=day, actor=staff)
        print_run_mark_printed(print_run=run, actor=staff)


def estimate_text(client, receipt):
    with time_machine.travel(TODAY, tick=False):
        response = client.get(reverse("receipts:lookup"), {"nomor": receipt.number})
    html = response.content.decode()
    return html.split('id="queue-h"')[1].split("</section>")[0]


WORKING_DAYS_BEFORE_TODAY = [datetime.date(2026, 11, d) for d in (23, 24, 25, 26, 27, 30)] + [
    datetime.date(2026, 12, 1)
]


def test_a_steady_office(anonymous, staff, queue):
    deliver(staff, 100, datetime.date(2026, 11, 2), "470/1/2026")
    for day in WORKING_DAYS_BEFORE_TODAY[1:]:  # 6 printing days, 3 cards each
        print_on(staff, day, 3)
    text = estimate_text(anonymous, queue)
    # 12 receipts left ahead + this one = 13 cards at 3 a day: the 5th working day (Wed 9
    # Dec) at the soonest, widened to 5 + 4 working days (Tue 15 Dec).
    assert "urutan ke-<strong>13</strong>" in text
    assert "Perkiraan dicetak antara 9 dan 15 Desember 2026." in text
    assert "rata-rata 3 kartu per hari cetak selama 6 hari cetak terakhir" in text


def test_one_tiny_run(anonymous, staff, queue):
    deliver(staff, 100, datetime.date(2026, 11, 2), "470/1/2026")
    print_on(staff, datetime.date(2026, 12, 1), 1)
    text = estimate_text(anonymous, queue)
    # 29 ahead + this one = 30 cards: 8 working days at 4 a day (Mon 14 Dec), 10 at 3 a day,
    # widened to 8 + 4 (Fri 18 Dec); one card printed yesterday does not make it 30 days.
    assert "urutan ke-<strong>30</strong>" in text
    assert "Perkiraan dicetak antara 14 dan 18 Desember 2026." in text
    assert "baru ada 1 hari cetak dalam 4 bulan terakhir" in text


def test_no_printing_for_months(anonymous, staff, queue):
    deliver(staff, 100, datetime.date(2026, 3, 2), "470/1/2026")
    for day in (2, 3, 4, 5, 6, 9):  # six printing days in March, none since
        print_on(staff, datetime.date(2026, 3, day), 3)
    text = estimate_text(anonymous, queue)
    assert "tidak ada pencetakan dalam 4 bulan terakhir" in text
    assert "kapasitas cetak kantor (3–4 kartu per hari kerja)" in text
    assert "Perkiraan dicetak antara" in text


def test_stock_short_by_one(anonymous, staff, queue):
    deliver(staff, 30, datetime.date(2026, 11, 2), "470/1/2026")  # 31st in line, 30 blanks
    text = estimate_text(anonymous, queue)
    assert "Perlu 1 blanko lagi sebelum giliran Anda." in text
    assert "Perkiraan dicetak" not in text
    assert "minggu" not in text


def test_a_new_batch_received(anonymous, staff, queue, settings):
    settings.LOOKUP_CACHE_SECONDS = 600  # the page is kept: the delivery must still show
    deliver(staff, 30, datetime.date(2026, 11, 2), "470/1/2026")
    assert "Perlu 1 blanko lagi" in estimate_text(anonymous, queue)
    deliver(staff, 500, datetime.date(2026, 12, 1), "470/2/2026")
    text = estimate_text(anonymous, queue)
    assert "Perlu" not in text
    assert "Perkiraan dicetak antara" in text


def test_cards_printed_long_ago_arriving_now_do_not_set_the_ready_time(anonymous, staff, queue):
    """A dispatch of cards printed in 2025 confirmed yesterday is not a printed-to-ready time
    of a year and a half: the page promised "ready around November 2035" in the demo data."""
    from distribution.models import Dispatch
    from distribution.services import dispatch_create, dispatch_receive

    deliver(staff, 100, datetime.date(2025, 3, 3), "470/1/2025")
    with time_machine.travel(at(datetime.date(2025, 3, 4)), tick=False):
        run = print_run_create(
            kecamatan=None, count=12, cutoff_date=datetime.date(2025, 3, 4), actor=staff
        )
        print_run_mark_printed(print_run=run, actor=staff)
        dispatch_create(print_run=run, actor=staff)
    with time_machine.travel(at(datetime.date(2026, 12, 1)), tick=False):
        for dispatch in Dispatch.objects.all():
            dispatch_receive(dispatch=dispatch, actor=staff)
    for day in WORKING_DAYS_BEFORE_TODAY[1:]:
        print_on(staff, day, 3)
    text = estimate_text(anonymous, queue)
    assert "Perkiraan dicetak antara" in text
    assert "Siap diambil di kecamatan" not in text  # no recent printed-to-ready history
    assert "2027" not in text and "2028" not in text
