"""One message per situation (portal/guidance.py): a test per row of the table.

Each page shows its row's meaning and the one thing to do, and no other row's instruction,
so a resident is never told two things that disagree (issue 17 listed four such pages).
"""

import itertools

import pytest
from django.urls import reverse

from distribution.models import PickupSchedule
from portal.guidance import GUIDANCE, Office, Situation, situation
from portal.selectors import HEAD_OFFICE_STATUSES
from receipts.models import HeadOffice, Status
from receipts.services import receipt_transition
from tests.factories import BlankBatchFactory, KecamatanFactory, KelurahanFactory

from .conftest import make_receipt


def page(client, receipt):
    response = client.get(reverse("receipts:lookup"), {"nomor": receipt.number})
    assert response.status_code == 200
    return response.content.decode()


def _walk(receipt, *statuses):
    for to in statuses:
        receipt_transition(receipt=receipt, to=to, actor=None)
    return receipt


@pytest.fixture
def quiet_kelurahan(db):
    """A kelurahan whose kecamatan has published no pickup day."""
    return KelurahanFactory(kecamatan=KecamatanFactory(name="Balikpapan Timur", slug="timur"))


def build(name, *, sepinggan, quiet):
    """A receipt in situation ``name`` (``sepinggan`` has pickup days, ``quiet`` none)."""
    if name == Situation.RECORDED:
        BlankBatchFactory(quantity=10)
        return make_receipt("recorded", kelurahan=sepinggan, number="BPN1707010001")
    if name == Situation.RECORDED_NO_BLANKS:
        return make_receipt("recorded", kelurahan=sepinggan, number="BPN1707010001")
    if name == Situation.REPRINT:
        BlankBatchFactory(quantity=10)
        receipt = make_receipt("recorded", kelurahan=sepinggan, number="BPN1707010001")
        return _walk(receipt, Status.QUEUED, Status.PRINTED, Status.RECORDED)
    with_day = name in (Situation.DISPATCHED_WITH_DAY, Situation.READY_WITH_DAY)
    status = {
        Situation.DISPATCHED_WITH_DAY: Status.DISPATCHED,
        Situation.READY_WITH_DAY: Status.READY,
    }.get(name, name)
    kelurahan = sepinggan if with_day else quiet
    return make_receipt(status, kelurahan=kelurahan, number="BPN1707010001")


ROWS = [
    Situation.RECORDED,
    Situation.RECORDED_NO_BLANKS,
    Situation.REPRINT,
    Situation.QUEUED,
    Situation.PRINTED,
    Situation.DISPATCHED,
    Situation.DISPATCHED_WITH_DAY,
    Situation.READY,
    Situation.READY_WITH_DAY,
    Situation.COLLECTED,
    Situation.ON_HOLD,
    Situation.CANCELLED,
]


def test_the_table_has_a_row_for_every_situation_and_every_status():
    assert set(GUIDANCE) == set(ROWS)
    assert {s.value for s in Status} <= set(GUIDANCE)


@pytest.mark.parametrize("name", ROWS)
def test_each_situation_says_its_one_message(anonymous, sepinggan, schedule, quiet_kelurahan, name):
    receipt = build(name, sepinggan=sepinggan, quiet=quiet_kelurahan)
    html = page(anonymous, receipt)
    row = GUIDANCE[name]
    assert str(row.meaning) in html
    assert str(row.todo) in html
    # No other row's instruction on the page: nothing that disagrees with this one.
    others = {str(g.todo) for key, g in GUIDANCE.items() if str(g.todo) != str(row.todo)}
    assert [todo for todo in others if todo in html] == []
    assert ("Jadwal pengambilan untuk Kelurahan" in html) is row.schedule
    assert ("Yang perlu dibawa" in html) is row.bring
    assert ("Tempat pengambilan" in html) is (row.office == Office.KECAMATAN)
    assert ('id="head-office-h"' in html) is (row.office == Office.HEAD)
    # The alarming text of a closed receipt waits behind "these initials are mine".
    if row.confirm_first:
        assert html.index("Pastikan inisial ini milik Anda") < html.index("<details>")
        assert html.index("<details>") < html.index(str(row.meaning)) < html.index("</details>")
    else:
        assert "<details>" not in html


def test_a_dispatched_card_with_a_day_says_come_only_once_ready(anonymous, sepinggan, schedule):
    """Issue 17: "bring the original receipt" beside "wait until it is ready", unexplained."""
    receipt = make_receipt("dispatched", kelurahan=sepinggan, number="BPN1707010001")
    html = page(anonymous, receipt)
    assert "datang hanya jika statusnya sudah “Siap diambil”" in html
    assert "Khusus Kelurahan Sepinggan" in html


def test_ready_with_a_day_sends_to_the_day_only(anonymous, sepinggan, schedule):
    """Issue 17: "come during counter hours or on the kelurahan's day" beside a day that says
    it is only for this kelurahan; now one instruction: the kelurahan's day."""
    html = page(anonymous, make_receipt("ready", kelurahan=sepinggan, number="BPN1707010001"))
    assert "Datang pada jadwal pengambilan untuk kelurahan Anda di bawah." in html
    assert "jam layanan loket atau pada jadwal" not in html


def test_a_recorded_receipt_never_says_both_waiting_for_blanks_and_enough_blanks(
    anonymous, sepinggan
):
    """Issue 17: the headline waited for blanks while the box said "873 blanks, enough"."""
    BlankBatchFactory(quantity=873)
    html = page(anonymous, make_receipt("recorded", kelurahan=sepinggan, number="BPN1707010001"))
    assert "cukup sampai urutan Anda" in html
    assert "belum cukup" not in html
    assert "Perlu" not in html.split('id="queue-h"')[1].split("</section>")[0]


def test_the_timeline_names_a_misprint(anonymous, sepinggan):
    BlankBatchFactory(quantity=10)
    receipt = make_receipt("recorded", kelurahan=sepinggan, number="BPN1707010001")
    _walk(receipt, Status.QUEUED, Status.RECORDED)
    html = page(anonymous, receipt)
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert "Salah cetak — dicetak ulang, urutan Anda tetap" in timeline
    # Recorded, queued, then the misprint, not a bare step back to "Sudah rekam".
    assert timeline.count("Sudah rekam — menunggu blanko") == 1
    assert "Kartu Anda salah cetak dan akan dicetak ulang." in html


@pytest.mark.parametrize(
    ("status", "enough", "reprint", "day", "expected"),
    [
        ("recorded", True, False, False, Situation.RECORDED),
        ("recorded", False, False, False, Situation.RECORDED_NO_BLANKS),
        ("recorded", True, True, False, Situation.REPRINT),
        # The timeline still names the misprint; the message is the shortage's, not a date's.
        ("recorded", False, True, False, Situation.RECORDED_NO_BLANKS),
        ("dispatched", True, False, True, Situation.DISPATCHED_WITH_DAY),
        ("dispatched", True, False, False, Situation.DISPATCHED),
        ("ready", True, False, True, Situation.READY_WITH_DAY),
        ("ready", True, False, False, Situation.READY),
        ("on_hold", True, False, True, Situation.ON_HOLD),
    ],
)
def test_situation_picks_the_row(status, enough, reprint, day, expected):
    assert (
        situation(status=status, enough_blanks=enough, reprint=reprint, has_schedule=day)
        == expected
    )


def test_a_schedule_of_another_kecamatan_does_not_make_a_day(anonymous, sepinggan, schedule):
    other = KelurahanFactory(kecamatan=KecamatanFactory(name="Balikpapan Barat", slug="barat"))
    assert not PickupSchedule.objects.filter(kecamatan=other.kecamatan).exists()
    html = page(anonymous, make_receipt("ready", kelurahan=other, number="BPN1707010001"))
    assert str(GUIDANCE[Situation.READY].todo) in html


def test_the_lookup_reads_the_head_office_for_every_status_whose_page_points_there():
    """The lookup's statement joins the head office only for HEAD_OFFICE_STATUSES (and an
    unknown number): a situation that sends residents there from another status would show
    "not available" instead of the office's address."""
    combinations = itertools.product(Status, (True, False), (True, False), (True, False))
    pointing = {
        status
        for status, enough, reprint, day in combinations
        if GUIDANCE[
            situation(status=status, enough_blanks=enough, reprint=reprint, has_schedule=day)
        ].office
        == Office.HEAD
    }
    assert pointing == HEAD_OFFICE_STATUSES


def test_only_the_on_hold_page_shows_the_head_office_address(anonymous, receipts_by_status):
    HeadOffice.objects.filter(pk=HeadOffice.SINGLETON_ID).update(address="Jl. Jenderal Sudirman 1")
    assert "Jl. Jenderal Sudirman 1" in page(anonymous, receipts_by_status["on_hold"])
    for status in ("ready", "recorded", "collected"):
        assert "Jl. Jenderal Sudirman 1" not in page(anonymous, receipts_by_status[status])
