"""Hostile input to the staff pages (/staf/) and the exports: never a 5xx, refusals write nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from distribution.models import BlankBatch, PickupSchedule, PrintRun
from distribution.services import dispatch_create, print_run_create, print_run_mark_printed
from tests.factories import BlankBatchFactory, waiting_receipts
from tests.hardening.hostile import (
    HOSTILE_SETTINGS,
    assert_clean,
    hostile_date,
    hostile_number,
    hostile_text,
    hostile_time,
    rolled_back,
    snapshot,
)

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)

pytestmark = [pytest.mark.hostile, pytest.mark.slow]


@pytest.fixture
def queue(sepinggan, prapatan):
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    waiting_receipts(kelurahan=sepinggan, count=3, first_recorded_at=start, prefix="S")
    waiting_receipts(kelurahan=prapatan, count=2, first_recorded_at=start, prefix="K")
    return BlankBatchFactory(reference="470/1/DUKCAPIL", quantity=20)


@pytest.fixture
def run(queue, staff):
    return print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)


@pytest.fixture
def dispatch(run, staff, selatan):
    print_run_mark_printed(print_run=run, actor=staff)
    return next(d for d in dispatch_create(print_run=run, actor=staff) if d.kecamatan == selatan)


kecamatan_value = st.one_of(st.just("SELATAN"), st.just(""), hostile_number)


def _kecamatan(value, selatan):
    return str(selatan.pk) if value == "SELATAN" else value


@HOSTILE_SETTINGS
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "reference": hostile_text,
            "quantity": hostile_number,
            "received_on": hostile_date,
            "note": hostile_text,
        },
    )
)
def test_blank_batch_form_survives_any_input(staff_client, queue, data):
    with rolled_back():
        before = snapshot()
        response = staff_client.post(reverse("staf:batch_create"), data)
        if not assert_clean(response, before):
            assert BlankBatch.objects.count() == 2


@HOSTILE_SETTINGS
@given(kecamatan=kecamatan_value, count=hostile_number, cutoff=hostile_date)
def test_print_run_preview_survives_any_query(
    staff_client, queue, selatan, kecamatan, count, cutoff
):
    before = snapshot()
    response = staff_client.get(
        reverse("staf:run_preview"),
        {"kecamatan": _kecamatan(kecamatan, selatan), "count": count, "cutoff_date": cutoff},
    )
    assert response.status_code in {200, 400, 414}, response.status_code
    assert snapshot() == before  # a preview never writes


@HOSTILE_SETTINGS
@given(kecamatan=kecamatan_value, count=hostile_number, cutoff=hostile_date)
def test_print_run_confirm_survives_any_input(
    staff_client, queue, selatan, kecamatan, count, cutoff
):
    with rolled_back():
        before = snapshot()
        response = staff_client.post(
            reverse("staf:run_create"),
            {"kecamatan": _kecamatan(kecamatan, selatan), "count": count, "cutoff_date": cutoff},
        )
        refused = assert_clean(response, before)
        if not refused:
            run = PrintRun.objects.latest("pk")
            assert 1 <= int(count) <= 100_000
            assert run.cutoff_date <= timezone.localdate()
            assert run.allocated == run.cards.count() <= 5


def test_print_run_in_the_future_or_negative_is_refused(staff_client, queue):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for data in (
        {"count": "-5", "cutoff_date": "2017-08-05"},
        {"count": "0", "cutoff_date": "2017-08-05"},
        {"count": "10" * 20, "cutoff_date": "2017-08-05"},
        {"count": "3", "cutoff_date": tomorrow},
        {"count": "3", "cutoff_date": "2017-02-30"},
        {"count": "3", "cutoff_date": "2017-08-05", "kecamatan": "999999"},
        {"count": "3", "cutoff_date": "2017-08-05", "kecamatan": "selatan"},
    ):
        before = snapshot()
        response = staff_client.post(reverse("staf:run_create"), data)
        assert response.status_code == 400, data
        assert snapshot() == before


@HOSTILE_SETTINGS
@given(note=hostile_text, card=st.sampled_from(["first", "missing"]))
def test_misprint_form_survives_any_note(staff_client, run, note, card):
    pk = run.cards.order_by("pk").first().pk if card == "first" else 99_999_999
    with rolled_back():
        before = snapshot()
        response = staff_client.post(reverse("staf:card_spoil", args=[pk]), {"note": note})
        assert_clean(response, before)
        if card == "missing":
            assert response.status_code == 404


@HOSTILE_SETTINGS
@given(
    junk=st.dictionaries(hostile_text, hostile_text, max_size=3),
    which=st.sampled_from(["run", "missing"]),
)
def test_mark_printed_and_dispatch_survive_junk_and_repeats(staff_client, run, junk, which):
    pk = run.pk if which == "run" else 99_999_999
    with rolled_back():
        for name in ("staf:run_mark_printed", "staf:run_dispatch", "staf:run_mark_printed"):
            before = snapshot()
            response = staff_client.post(reverse(name, args=[pk]), junk)
            assert_clean(response, before)


@HOSTILE_SETTINGS
@given(
    picks=st.lists(st.one_of(st.just("OWN"), hostile_number), max_size=4),
    note=hostile_text,
)
def test_dispatch_receive_survives_any_missing_cards(staff_client, dispatch, picks, note):
    own = str(dispatch.items.order_by("pk").first().card_id)
    missing = [own if p == "OWN" else p for p in picks]
    with rolled_back():
        before = snapshot()
        response = staff_client.post(
            reverse("staf:dispatch_receive", args=[dispatch.pk]), {"missing": missing, "note": note}
        )
        refused = assert_clean(response, before)
        if any(p != own for p in missing):
            assert refused and response.status_code == 400


@HOSTILE_SETTINGS
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "start_date": hostile_date,
            "start_time": hostile_time,
            "end_time": hostile_time,
            "place": hostile_text,
        },
    )
)
def test_pickup_schedule_publish_survives_any_input(staff_client, dispatch, data):
    with rolled_back():
        before = snapshot()
        response = staff_client.post(reverse("staf:dispatch_schedule", args=[dispatch.pk]), data)
        if not assert_clean(response, before):
            assert PickupSchedule.objects.count() == before["schedules"]


@HOSTILE_SETTINGS
@given(
    status=st.one_of(st.just(""), hostile_text),
    kecamatan=st.one_of(st.just("selatan"), hostile_text),
    run_id=st.integers(0, 10**12),
)
def test_exports_survive_any_query_string(staff_client, run, status, kecamatan, run_id):
    before = snapshot()
    response = staff_client.get(
        reverse("ekspor:receipts"), {"status": status, "kecamatan": kecamatan}
    )
    assert response.status_code in {200, 400, 414}, response.status_code
    if response.status_code == 200:
        b"".join(response.streaming_content)  # the stream itself must not fail half-way
    response = staff_client.get(reverse("ekspor:print_list", args=[run_id]), {"x": status})
    assert response.status_code in {200, 404, 414}, response.status_code
    if response.status_code == 200:
        b"".join(response.streaming_content)
    assert snapshot() == before


@pytest.mark.parametrize("field", ["status", "kecamatan"])
def test_nul_byte_in_an_export_filter_is_a_clean_refusal(staff_client, field):
    # PostgreSQL refuses NUL in a text literal; it must never reach the database.
    response = staff_client.get(reverse("ekspor:receipts"), {field: "selatan\x00"})
    assert response.status_code == 400
