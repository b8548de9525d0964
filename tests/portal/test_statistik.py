"""`/statistik/`: the city's progress with blank cards, as charts and the same numbers in tables."""

import datetime
import re

import pytest
from django.utils import timezone

from distribution.models import BlankBatch, HandOver
from receipts.models import Status
from tests.factories import BlankBatchFactory, CardFactory, KecamatanFactory, UserFactory

from .conftest import make_receipt


@pytest.fixture
def progress(receipts_by_status, sepinggan, selatan, kota):
    """Two batches (130 blanks, 70 used, 4 spoiled), receipts, and one hand-over this week."""
    first = BlankBatchFactory(quantity=100)
    second = BlankBatchFactory(quantity=30)
    BlankBatch.objects.filter(pk=first.pk).update(used=60, spoiled=3)
    BlankBatch.objects.filter(pk=second.pk).update(used=10, spoiled=1)
    now = timezone.now()
    # Three receipts recorded in the current week, one two weeks ago.
    for i, days in enumerate([0, 0, 0, 14]):
        receipt = make_receipt(
            "recorded", kelurahan=sepinggan, number=f"BPN26NEW{i:05d}", name=f"Warga Baru{'x' * i}"
        )
        receipt.recorded_at = now - datetime.timedelta(days=days)
        receipt.save(update_fields=["recorded_at"])
    collected = receipts_by_status["collected"]
    card = CardFactory(receipt=collected, batch=first)
    HandOver.objects.create(
        receipt=collected,
        card=card,
        kecamatan=selatan,
        clerk=UserFactory(),
        identity_check="receipt",
        handed_at=now,
    )
    return {"kota": kota}


def rows_of(html, caption):
    table = html[html.index(caption) :]
    table = table[: table.index("</table>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>.*?</tr>", table)
    ]


def test_blank_totals_over_all_batches(anonymous, progress):
    html = anonymous.get("/statistik/").content.decode()
    rows = rows_of(html, "Jumlah blanko (semua kiriman)")
    assert rows[0] == ["Diterima", "Terpakai", "Rusak", "Sisa"]
    assert rows[1] == ["130", "70", "4", "56"]


def test_receipts_per_status_per_kecamatan(anonymous, progress):
    html = anonymous.get("/statistik/").content.decode()
    rows = rows_of(html, "Jumlah resi per status dan kecamatan pengambilan")
    header, *body = rows
    assert header[0] == "Kecamatan"
    assert header[1:9] == [str(s.label) for s in Status]
    by_name = {row[0]: row[1:] for row in body}
    # Selatan: one receipt per status from the fixture, plus 4 new `recorded` receipts.
    assert by_name["Balikpapan Selatan"] == ["5", "1", "1", "1", "1", "1", "1", "1", "12"]
    assert by_name["Balikpapan Kota"] == ["0"] * 8 + ["0"]


def test_weekly_recorded_and_handed_over(anonymous, progress):
    html = anonymous.get("/statistik/").content.decode()
    rows = rows_of(html, "Resi baru dan kartu diserahkan per minggu")
    header, *weeks = rows
    assert len(weeks) == 12
    assert weeks[-1][1:] == ["3", "1"]  # this week: 3 recorded, 1 handed over
    assert weeks[-3][1:] == ["1", "0"]  # two weeks ago
    assert sum(int(w[1]) for w in weeks) == 4  # the 2017 receipts are older than 12 weeks


def test_charts_are_inline_svg_without_style_attributes(anonymous, progress):
    html = anonymous.get("/statistik/").content.decode()
    assert html.count("<svg") == 4
    assert "style=" not in html
    assert "<script" not in html
    assert 'role="img"' in html


def test_undone_hand_overs_are_not_counted(anonymous, progress):
    HandOver.objects.update(undone_at=timezone.now(), undone_by=UserFactory(), undo_reason="salah")
    html = anonymous.get("/statistik/").content.decode()
    weeks = rows_of(html, "Resi baru dan kartu diserahkan per minggu")[1:]
    assert weeks[-1][2] == "0"


def test_statistics_cost_a_handful_of_queries(anonymous, progress, django_assert_max_num_queries):
    for code in ("64.71.01", "64.71.02", "64.71.03"):
        KecamatanFactory(code=code)
    with django_assert_max_num_queries(5):
        assert anonymous.get("/statistik/").status_code == 200


def test_second_request_within_the_minute_makes_no_query(
    anonymous, progress, django_assert_num_queries
):
    anonymous.get("/statistik/")
    with django_assert_num_queries(0):
        assert anonymous.get("/statistik/").status_code == 200


def test_figures_are_kept_for_one_minute_then_refreshed(anonymous, progress):
    from unittest import mock

    from django.core.cache import cache

    from portal.views_stats import STATS_CACHE_KEY

    # Works with any cache backend (Redis under CI keeps its own clock): check the timeout
    # given to the cache, then simulate its expiry.
    with mock.patch.object(cache, "set", wraps=cache.set) as cache_set:
        anonymous.get("/statistik/")
    assert cache_set.call_args.args[0] == STATS_CACHE_KEY
    assert cache_set.call_args.args[2] == 60
    BlankBatchFactory(quantity=1000)
    html = anonymous.get("/statistik/").content.decode()
    assert rows_of(html, "Jumlah blanko (semua kiriman)")[1][0] == "130"  # still cached
    cache.delete(STATS_CACHE_KEY)  # what a minute does
    html = anonymous.get("/statistik/").content.decode()
    assert rows_of(html, "Jumlah blanko (semua kiriman)")[1][0] == "1.130"


def test_empty_database_renders(anonymous, db):
    response = anonymous.get("/statistik/")
    assert response.status_code == 200
