"""Pickup days as the office runs them: published on counter days and hours with a place,
listed with the cards waiting, corrected and cancelled by staff, and printed as a sign-off list
the evening before."""

import csv
import datetime
import io

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from distribution.models import PickupSchedule
from distribution.services import (
    DistributionError,
    PickupEntry,
    counter_hours,
    pickup_schedule_publish,
)
from tests.factories import ResidentFactory, dispatched_cards, ready_card

WITA = datetime.timezone(datetime.timedelta(hours=8))
# Wednesday 9 January 2030, 10:00 WITA: Saturday is the 12th, Monday the 14th.
NOW = datetime.datetime(2030, 1, 9, 10, 0, tzinfo=WITA)
SATURDAY, MONDAY = datetime.date(2030, 1, 12), datetime.date(2030, 1, 14)


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(NOW, tick=False):
        yield


def day(kelurahan, date, start=8, end=12, place="Aula Kecamatan"):
    return PickupEntry(
        kelurahan=kelurahan,
        date=date,
        start_time=datetime.time(start),
        end_time=datetime.time(end),
        place=place,
    )


@pytest.fixture
def monday_sepinggan(selatan, sepinggan, staff):
    [schedule] = pickup_schedule_publish(
        kecamatan=selatan, entries=[day(sepinggan, MONDAY)], actor=staff
    )
    return schedule


# --- publishing: counter days, counter hours, a place --------------------------------------


def test_counter_hours_are_read_from_the_offices_text(selatan):
    assert counter_hours(selatan) == (datetime.time(8), datetime.time(15))
    selatan.counter_hours = "menurut pengumuman"
    assert counter_hours(selatan) == (datetime.time(8), datetime.time(16))


def test_a_saturday_is_refused(selatan, sepinggan, staff):
    with pytest.raises(DistributionError, match="Sabtu atau Minggu"):
        pickup_schedule_publish(kecamatan=selatan, entries=[day(sepinggan, SATURDAY)], actor=staff)
    assert not PickupSchedule.objects.exists()


@pytest.mark.parametrize("start,end", [(7, 12), (13, 16)])
def test_hours_outside_the_counters_are_refused(selatan, sepinggan, staff, start, end):
    with pytest.raises(DistributionError, match=r"jam loket .*08\.00–15\.00"):
        pickup_schedule_publish(
            kecamatan=selatan, entries=[day(sepinggan, MONDAY, start, end)], actor=staff
        )


def test_the_publish_form_needs_a_place(staff_client, selatan, staff, sepinggan):
    dispatch, _cards = dispatched_cards(
        kecamatan=selatan, count=1, sent_by=staff, resident_kelurahan=sepinggan
    )
    response = staff_client.post(
        reverse("staf:dispatch_schedule", args=[dispatch.pk]),
        {"start_date": "2030-01-14", "start_time": "08:00", "end_time": "12:00", "place": " "},
    )
    assert response.status_code == 400
    assert "Tempat pengambilan wajib diisi." in response.content.decode()
    assert not PickupSchedule.objects.exists()


def test_publishing_warns_of_cards_on_their_way_and_a_second_day(
    staff_client, selatan, staff, sepinggan, monday_sepinggan
):
    dispatch, _cards = dispatched_cards(
        kecamatan=selatan, count=2, sent_by=staff, resident_kelurahan=sepinggan
    )
    response = staff_client.post(
        reverse("staf:dispatch_schedule", args=[dispatch.pk]),
        {"start_date": "2030-01-15", "start_time": "08:00", "end_time": "12:00", "place": "Aula"},
        follow=True,
    )
    page = response.content.decode()
    # Warned, not refused: the second day is published.
    assert PickupSchedule.objects.filter(kelurahan=sepinggan).count() == 2
    assert "Kelurahan Sepinggan sudah punya hari pengambilan lain (14-01-2030)." in page
    assert "2 kartu untuk hari ini masih dalam pengiriman" in page


# --- the list, corrections and cancellations (/staf/jadwal/) ---------------------------------


def test_staff_list_shows_each_day_with_the_cards_waiting(
    staff_client, selatan, staff, sepinggan, monday_sepinggan
):
    for _ in range(3):
        ready_card(resident=ResidentFactory(kelurahan=sepinggan))
    dispatched_cards(kecamatan=selatan, count=1, sent_by=staff, resident_kelurahan=sepinggan)
    page = staff_client.get(reverse("staf:pickup_days"), {"kecamatan": "selatan"}).content.decode()
    assert "Sen, 14-01-2030" in page and "Sepinggan" in page and "Aula Kecamatan" in page
    assert "<td>3</td><td>1</td>" in page
    for name in ("staf:pickup_day", "staf:pickup_day_edit", "staf:pickup_day_cancel"):
        assert reverse(name, args=[monday_sepinggan.pk]) in page


def test_staff_correct_a_day(staff_client, monday_sepinggan):
    url = reverse("staf:pickup_day_edit", args=[monday_sepinggan.pk])
    assert 'value="2030-01-14"' in staff_client.get(url).content.decode()
    response = staff_client.post(
        url,
        {"date": "2030-01-16", "start_time": "09:00", "end_time": "12:00", "place": "Aula Baru"},
    )
    assert response.status_code == 302
    monday_sepinggan.refresh_from_db()
    assert monday_sepinggan.date == datetime.date(2030, 1, 16)
    assert monday_sepinggan.place == "Aula Baru"
    # Who corrected it, and from what, is in the audit trail.
    entries = LogEntry.objects.get_for_object(monday_sepinggan)
    assert entries.filter(action=LogEntry.Action.UPDATE).count() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"date": "2030-01-12", "start_time": "09:00", "end_time": "12:00", "place": "Aula"},
            "Sabtu atau Minggu",
        ),
        (
            {"date": "2030-01-16", "start_time": "09:00", "end_time": "17:00", "place": "Aula"},
            "jam loket",
        ),
        (
            {"date": "2030-01-16", "start_time": "09:00", "end_time": "12:00", "place": ""},
            "Tempat pengambilan wajib diisi.",
        ),
        (
            {"date": "2030-01-08", "start_time": "09:00", "end_time": "12:00", "place": "Aula"},
            "sebelum hari ini",
        ),
    ],
)
def test_a_correction_the_counter_cannot_hold_is_refused(
    staff_client, monday_sepinggan, data, message
):
    response = staff_client.post(reverse("staf:pickup_day_edit", args=[monday_sepinggan.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    monday_sepinggan.refresh_from_db()
    assert monday_sepinggan.date == MONDAY


def test_cancelling_a_day_asks_first_and_is_audited(staff_client, monday_sepinggan):
    url = reverse("staf:pickup_day_cancel", args=[monday_sepinggan.pk])
    page = staff_client.get(url).content.decode()
    assert "Batalkan jadwal pengambilan 14-01-2030?" in page and 'name="konfirmasi"' in page
    staff_client.post(url)  # no confirmation: nothing happens
    assert PickupSchedule.objects.filter(pk=monday_sepinggan.pk).exists()
    assert staff_client.post(url, {"konfirmasi": "1"}).status_code == 302
    assert not PickupSchedule.objects.filter(pk=monday_sepinggan.pk).exists()
    assert LogEntry.objects.filter(
        object_pk=str(monday_sepinggan.pk), action=LogEntry.Action.DELETE
    ).exists()
    # A second cancel (another tab) is a 404, not a 500.
    assert staff_client.post(url, {"konfirmasi": "1"}).status_code == 404


def test_a_clerk_cannot_manage_pickup_days(client, clerk_selatan, monday_sepinggan):
    client.force_login(clerk_selatan)
    for name in ("staf:pickup_days", "staf:pickup_day_edit", "staf:pickup_day_cancel"):
        args = [] if name == "staf:pickup_days" else [monday_sepinggan.pk]
        assert client.get(reverse(name, args=args)).status_code == 403


# --- the sign-off list of a pickup day -----------------------------------------------------


@pytest.fixture
def box(sepinggan, selatan):
    """Three cards for Sepinggan, made out of serial order, and one for another kelurahan."""
    from tests.factories import KelurahanFactory

    for serial, name in [
        ("KTP0000000300", "Citra"),
        ("KTP0000000100", "Adi"),
        ("KTP0000000200", "Budi"),
    ]:
        ready_card(resident=ResidentFactory(full_name=name, kelurahan=sepinggan), serial=serial)
    ready_card(
        resident=ResidentFactory(
            full_name="Dewi Lain", kelurahan=KelurahanFactory(kecamatan=selatan)
        ),
        serial="KTP0000000050",
    )


def test_sign_off_list_is_in_box_order_with_a_signature_column(
    client, clerk_selatan, monday_sepinggan, box
):
    client.force_login(clerk_selatan)
    page = client.get(reverse("loket:pickup_day", args=[monday_sepinggan.pk])).content.decode()
    assert page.index("Adi") < page.index("Budi") < page.index("Citra")
    assert "Dewi Lain" not in page
    assert "Tanda tangan" in page and "print-list.css" in page
    assert "<button" not in page and 'name="q"' not in page
    assert reverse("loket:pickup_day_csv", args=[monday_sepinggan.pk]) in page


def test_sign_off_csv_is_in_the_staff_dialect(client, clerk_selatan, monday_sepinggan, box):
    client.force_login(clerk_selatan)
    response = client.get(reverse("loket:pickup_day_csv", args=[monday_sepinggan.pk]))
    text = response.content.decode()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[2][:4] == ["No.", "Nomor seri kartu", "Nomor resi", "Nama"]
    assert "Tanda tangan" in rows[2]
    assert [row[1] for row in rows[3:]] == ["KTP0000000100", "KTP0000000200", "KTP0000000300"]


def test_another_kecamatans_list_is_not_shown_at_the_counter(client, clerk_kota, monday_sepinggan):
    client.force_login(clerk_kota)
    assert client.get(reverse("loket:pickup_day", args=[monday_sepinggan.pk])).status_code == 404
    assert (
        client.get(reverse("loket:pickup_day_csv", args=[monday_sepinggan.pk])).status_code == 404
    )
    page = client.get(reverse("loket:pickup_days")).content.decode()
    assert "Sepinggan" not in page


def test_the_counter_lists_its_days_linking_the_sign_off_list(
    client, clerk_selatan, monday_sepinggan, box
):
    client.force_login(clerk_selatan)
    page = client.get(reverse("loket:pickup_days")).content.decode()
    assert reverse("loket:pickup_day", args=[monday_sepinggan.pk]) in page
    assert "<td>3</td><td>0</td>" in page
    arrivals = client.get(reverse("loket:arrivals")).content.decode()
    assert reverse("loket:pickup_days") in arrivals


def test_a_corrected_or_cancelled_day_is_passed_to_the_change_listeners(
    staff_client, monday_sepinggan, monkeypatch, django_capture_on_commit_callbacks
):
    from distribution import hooks

    told = []
    monkeypatch.setattr(hooks, "_change_listeners", [lambda days, change: told.append(
        (change, [day.pk for day in days], [day.date for day in days])
    )])  # fmt: skip
    edit = reverse("staf:pickup_day_edit", args=[monday_sepinggan.pk])
    data = {"date": "2030-01-16", "start_time": "09:00", "end_time": "12:00", "place": "Aula"}
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(edit, data)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("staf:pickup_day_cancel", args=[monday_sepinggan.pk]), {"konfirmasi": "1"}
        )
    pk = monday_sepinggan.pk
    assert told == [
        ("updated", [pk], [datetime.date(2030, 1, 16)]),
        ("cancelled", [pk], [datetime.date(2030, 1, 16)]),
    ]
