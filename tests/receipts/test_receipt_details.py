"""Editing a receipt's recording details: receipt_update_details owns the rules, the admin
calls it. Once printed, the card belongs to its office; once queued, the recording time is
the receipt's place in the print queue."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from disdukcapil.errors import ApplicationError
from receipts.models import PublicDataVersion, Status
from receipts.services import receipt_transition, receipt_update_details
from tests.factories import KecamatanFactory, ReceiptFactory

WITA = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def manggar(db):
    return KecamatanFactory(code="64.71.01", name="Balikpapan Timur", slug="timur")


def change_form_data(receipt, **changes):
    local = timezone.localtime(receipt.recorded_at)
    data = {
        "recorded_at_0": local.date().isoformat(),
        "recorded_at_1": local.strftime("%H:%M:%S"),
        "recorded_place": receipt.recorded_place,
        "collection_kecamatan": receipt.collection_kecamatan_id,
        "move_to": "",
        "move_note": "",
    }
    events = list(receipt.events.order_by("at", "pk"))
    data.update(
        {
            "events-TOTAL_FORMS": str(len(events)),
            "events-INITIAL_FORMS": str(len(events)),
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
        }
    )
    for i, event in enumerate(events):
        data[f"events-{i}-id"] = event.pk
        data[f"events-{i}-receipt"] = receipt.pk
    data.update(changes)
    return data


def post_change(client, receipt, **changes):
    url = reverse("admin:receipts_receipt_change", args=[receipt.pk])
    return client.post(url, change_form_data(receipt, **changes))


def test_staff_moves_a_waiting_receipt_to_another_office_and_fixes_its_time(
    staff_client, receipt, manggar
):
    version = PublicDataVersion.objects.get().value if PublicDataVersion.objects.exists() else 0
    response = post_change(
        staff_client,
        receipt,
        collection_kecamatan=manggar.pk,
        recorded_at_0="2017-03-01",
        recorded_at_1="10:00:00",
        recorded_place="Kantor Kecamatan Balikpapan Timur",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    receipt.refresh_from_db()
    assert receipt.collection_kecamatan == manggar
    assert receipt.recorded_at == datetime.datetime(2017, 3, 1, 10, 0, tzinfo=WITA)
    assert receipt.recorded_place == "Kantor Kecamatan Balikpapan Timur"
    assert receipt.status == Status.RECORDED
    # The public page shows the office and the queue place: cached answers are rebuilt.
    assert PublicDataVersion.objects.get().value > version


@pytest.mark.parametrize("status", [Status.PRINTED, Status.DISPATCHED, Status.READY])
def test_collection_office_is_fixed_once_the_card_is_printed(
    staff_client, resident, manggar, status
):
    receipt = ReceiptFactory(resident=resident, status=status)
    office = receipt.collection_kecamatan
    response = post_change(staff_client, receipt, collection_kecamatan=manggar.pk)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "kartunya sudah dicetak untuk kecamatan" in " ".join(errors["collection_kecamatan"])
    receipt.refresh_from_db()
    assert receipt.collection_kecamatan == office


@pytest.mark.parametrize("status", [Status.QUEUED, Status.PRINTED, Status.ON_HOLD])
def test_recording_time_is_fixed_once_the_receipt_left_recorded(staff_client, resident, status):
    receipt = ReceiptFactory(resident=resident, status=status)
    recorded_at = receipt.recorded_at
    response = post_change(
        staff_client, receipt, recorded_at_0="2017-03-01", recorded_at_1="10:00:00"
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Waktu rekam tidak bisa diubah" in " ".join(errors["recorded_at"])
    receipt.refresh_from_db()
    assert receipt.recorded_at == recorded_at


def test_recording_place_stays_editable_after_printing(staff_client, resident):
    receipt = ReceiptFactory(resident=resident, status=Status.READY)
    response = post_change(staff_client, receipt, recorded_place="Mal Pelayanan Publik")
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.recorded_place == "Mal Pelayanan Publik"


def test_a_card_held_after_printing_keeps_its_office(receipt, staff, manggar):
    for to in (Status.QUEUED, Status.PRINTED, Status.ON_HOLD):
        receipt_transition(receipt=receipt, to=to, actor=staff)
    with pytest.raises(ApplicationError) as refusal:
        receipt_update_details(receipt=receipt, actor=staff, collection_kecamatan=manggar)
    assert refusal.value.code == "collection_kecamatan_locked"
    receipt.refresh_from_db()
    assert receipt.collection_kecamatan != manggar


def test_a_receipt_held_before_printing_may_change_office(receipt, staff, manggar):
    receipt_transition(receipt=receipt, to=Status.ON_HOLD, actor=staff)
    changed = receipt_update_details(receipt=receipt, actor=staff, collection_kecamatan=manggar)
    assert changed == ["collection_kecamatan"]
    receipt.refresh_from_db()
    assert receipt.collection_kecamatan == manggar


def test_the_service_refuses_from_the_shell_too(resident, staff):
    receipt = ReceiptFactory(resident=resident, status=Status.QUEUED)
    with pytest.raises(ApplicationError, match="Waktu rekam tidak bisa diubah") as refusal:
        receipt_update_details(
            receipt=receipt,
            actor=staff,
            recorded_at=datetime.datetime(2017, 3, 1, 10, 0, tzinfo=WITA),
        )
    assert refusal.value.code == "recorded_at_locked"


def test_a_receipt_offers_no_delete_button(staff_client, receipt):
    page = staff_client.get(reverse("admin:receipts_receipt_change", args=[receipt.pk]))
    assert reverse("admin:receipts_receipt_delete", args=[receipt.pk]) not in page.content.decode()
    delete = staff_client.get(reverse("admin:receipts_receipt_delete", args=[receipt.pk]))
    assert delete.status_code == 403


def test_an_edit_from_the_shell_is_logged_with_its_actor(receipt, staff, manggar):
    from auditlog.models import LogEntry

    receipt_update_details(receipt=receipt, actor=staff, recorded_place="Mal Pelayanan Publik")
    entry = LogEntry.objects.get_for_object(receipt).latest("timestamp")
    assert entry.actor == staff
    assert "recorded_place" in entry.changes_dict


def test_an_admin_edit_is_logged_with_the_admin_user(staff_client, staff, receipt):
    from auditlog.models import LogEntry

    response = post_change(staff_client, receipt, recorded_place="Kantor Camat")
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(receipt).latest("timestamp")
    assert entry.actor == staff and "recorded_place" in entry.changes_dict
