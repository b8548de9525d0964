"""The JSON API: the same public facts as the lookup page, for other services."""

import datetime

import pytest
from django.utils import timezone

from receipts.models import Status


def api(client, number):
    return client.get(f"/api/v1/receipts/{number}/")


def test_api_returns_exactly_the_public_fields(anonymous, receipts_by_status, schedule):
    response = api(anonymous, receipts_by_status["ready"].number)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert set(data) == {
        "receipt_number",
        "status",
        "status_label",
        "holder_initials",
        "collection_point",
        "pickup_schedule",
        "timeline",
    }
    assert data["receipt_number"] == receipts_by_status["ready"].number
    assert data["status"] == "ready"
    assert data["status_label"] == "Siap diambil"
    assert data["holder_initials"] == "S. W. K."
    assert data["collection_point"] == {
        "kecamatan": "Balikpapan Selatan",
        "address": "Jl. Marsma R. Iswahyudi No. 1 (contoh)",
        "hours": "Senin–Jumat 08.00–15.00 WITA",
    }
    assert data["pickup_schedule"][0] == {
        "date": schedule.date.isoformat(),
        "start": "08:30",
        "end": "11:00",
        "place": "Loket 2",
        "note": "Khusus Kelurahan Sepinggan",
    }
    assert len(data["pickup_schedule"]) == 2  # the past day is left out
    assert [e["status"] for e in data["timeline"]] == ["recorded", "ready"]


def test_api_timeline_is_iso_8601_with_the_wita_offset(anonymous, receipt):
    data = api(anonymous, receipt.number).json()
    at = data["timeline"][0]["at"]
    assert at.endswith("+08:00")
    assert datetime.datetime.fromisoformat(at) == receipt.recorded_at


def test_api_holder_initials_for_two_words(anonymous, receipt):
    assert api(anonymous, receipt.number).json()["holder_initials"] == "S. W."


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_api_status_code_and_label_for_each_status(anonymous, receipts_by_status, status):
    data = api(anonymous, receipts_by_status[status].number).json()
    assert data["status"] == status
    assert data["status_label"] == str(Status(status).label)


def test_api_label_in_english_when_asked(anonymous, receipt):
    response = anonymous.get(f"/api/v1/receipts/{receipt.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["status_label"] == "Recorded — waiting for a blank card"


@pytest.mark.parametrize("typed", ["bpn1708010001", "BPN-170801-0001", "bpn 1708 0100 01"])
def test_api_normalises_the_number(anonymous, receipt, typed):
    response = api(anonymous, typed)
    assert response.status_code == 200
    assert response.json()["receipt_number"] == "BPN1708010001"


def test_api_accepts_slashes_as_separators(anonymous, receipt):
    assert api(anonymous, "BPN/170801/0001").status_code == 200


def test_api_unknown_number_is_404_json(anonymous, db):
    response = api(anonymous, "BPN0000000000")
    assert response.status_code == 404
    data = response.json()
    assert data["error"] == "not_found"
    assert "tidak ditemukan" in data["message"]
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("typed", ["12", "BPN%231708", "%3Cscript%3E", "A" * 70])
def test_api_malformed_number_is_400_json(anonymous, db, typed):
    response = api(anonymous, typed)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["message"]


# One statement for every status (portal.selectors.receipt_lookup; tests/portal/test_lookup_queries.py).
@pytest.mark.parametrize(("status", "queries"), [("queued", 1), ("ready", 1), ("recorded", 1)])
def test_api_costs_a_constant_number_of_queries(
    anonymous, receipts_by_status, django_assert_num_queries, status, queries
):
    with django_assert_num_queries(queries):
        assert api(anonymous, receipts_by_status[status].number).status_code == 200


def test_api_schedule_empty_before_the_card_is_on_its_way(anonymous, receipts_by_status):
    assert api(anonymous, receipts_by_status["printed"].number).json()["pickup_schedule"] == []


def test_api_rejects_writes(anonymous, receipt):
    response = anonymous.post(f"/api/v1/receipts/{receipt.number}/")
    assert response.status_code == 405
    receipt.refresh_from_db()
    assert receipt.status == Status.RECORDED
    assert receipt.status_changed_at <= timezone.now()
