"""Hostile input to the staff admin: status action, resident form (NIK), import, searches."""

import datetime

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from receipts.import_jobs import import_job_run
from receipts.models import ImportJob, JobStatus, Resident, Status
from tests.hardening.hostile import (
    HOSTILE_SETTINGS,
    INJECTION,
    assert_clean,
    budget,
    hostile_date,
    hostile_number,
    hostile_text,
    rolled_back,
    snapshot,
)

pytestmark = [pytest.mark.hostile, pytest.mark.slow]


def _admin(client, staff):
    client.force_login(staff)
    return client


@HOSTILE_SETTINGS
@given(
    to_status=st.one_of(st.sampled_from(["held", "cancelled", "", "collected"]), hostile_text),
    note=hostile_text,
    selected=st.lists(st.one_of(st.just("RECEIPT"), hostile_number), max_size=3),
)
def test_status_action_survives_any_input(client, staff, receipt, to_status, note, selected):
    _admin(client, staff)
    ids = [str(receipt.pk) if s == "RECEIPT" else s for s in selected]
    with rolled_back():
        before = snapshot()
        response = client.post(
            reverse("admin:receipts_receipt_changelist"),
            {
                "action": "change_status",
                "_selected_action": ids,
                "to_status": to_status,
                "note": note,
            },
        )
        refused = assert_clean(response, before, refusal_level=messages.WARNING)
        receipt.refresh_from_db()
        if to_status not in {"held", "cancelled"}:
            assert receipt.status == Status.RECORDED
            assert snapshot() == before
        elif not refused and str(receipt.pk) in ids:
            assert receipt.status == to_status


NIK_FIELDS = {
    "nik": st.one_of(st.from_regex(r"\A[0-9]{16}\Z"), hostile_number),
    "full_name": hostile_text,
    "birth_date": hostile_date,
    "sex": st.one_of(st.sampled_from(["L", "P"]), hostile_text),
    "kelurahan": st.one_of(st.just("OWN"), hostile_number),
    "address": hostile_text,
    "phone": hostile_text,
    "email": hostile_text,
}


@HOSTILE_SETTINGS
@given(data=st.fixed_dictionaries({}, optional=NIK_FIELDS))
def test_resident_add_form_survives_any_input(client, staff, sepinggan, data):
    _admin(client, staff)
    if data.get("kelurahan") == "OWN":
        data["kelurahan"] = str(sepinggan.pk)
    with rolled_back():
        before = snapshot()
        response = client.post(reverse("admin:receipts_resident_add"), data)
        if not assert_clean(response, before):
            resident = Resident.objects.latest("pk")
            assert resident.nik == data["nik"]  # 16 digits matching birth date and sex
        else:
            assert response.status_code == 200  # the admin form shown again with its errors


def test_resident_with_an_impossible_nik_is_refused(client, staff, sepinggan):
    _admin(client, staff)
    before = snapshot()
    response = client.post(
        reverse("admin:receipts_resident_add"),
        {
            "nik": "6471059999999999",
            "full_name": "Uji",
            "birth_date": datetime.date(1990, 1, 1).isoformat(),
            "sex": "L",
            "kelurahan": sepinggan.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["nik"]
    assert snapshot() == before


@HOSTILE_SETTINGS
@given(
    content=st.binary(max_size=2000),
    name=st.one_of(st.just("resi.csv"), st.from_regex(r"\A[A-Za-z0-9 _-]{1,30}(\.csv|\.xlsx|)\Z")),
    dry_run=st.booleans(),
)
def test_import_upload_survives_random_bytes(client, staff, sepinggan, content, name, dry_run):
    _admin(client, staff)
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    data = {"file": upload}
    if dry_run:
        data["dry_run"] = "on"
    with rolled_back():
        before = snapshot()
        response = client.post(reverse("receipts_import"), data)
        assert response.status_code in {200, 302, 400}, response.status_code
        # The task worker's part, run here: the bytes that pass the form reach the importer.
        for job in ImportJob.objects.filter(status=JobStatus.WAITING):
            assert import_job_run(job_id=job.pk) in {"done", "failed"}
        # Random bytes are never a valid row (header, NIK, kelurahan code): nothing is imported.
        after = snapshot()
        assert after["receipts"] == before["receipts"]
        assert after["residents"] == before["residents"]
        if response.status_code == 302:
            summary = client.get(response["Location"])
            assert summary.status_code == 200


@settings(HOSTILE_SETTINGS, max_examples=budget(20))  # four change lists per example
@given(q=hostile_text)
def test_admin_searches_survive_any_term(client, staff, receipt, q):
    _admin(client, staff)
    before = snapshot()
    for name in (
        "admin:receipts_receipt_changelist",
        "admin:receipts_resident_changelist",
        "admin:receipts_receiptevent_changelist",
        "admin:auditlog_logentry_changelist",
    ):
        response = client.get(reverse(name), {"q": q})
        assert response.status_code in {200, 400, 414}, (name, response.status_code)
    assert snapshot() == before


def test_sql_injection_in_admin_search_finds_nothing(client, staff, receipt):
    _admin(client, staff)
    for q in INJECTION[:5]:
        response = client.get(reverse("admin:receipts_receipt_changelist"), {"q": q})
        assert response.status_code == 200
        assert receipt.number not in response.content.decode()


@pytest.mark.parametrize("selected", ["1e9", "9223372036854775808", "1 OR 1=1", "", "-1"])
def test_admin_action_with_a_malformed_selection_is_a_400(client, staff, receipt, selected):
    """Regression: Django's admin passed these to pk__in and answered 500."""
    _admin(client, staff)
    before = snapshot()
    response = client.post(
        reverse("admin:receipts_receipt_changelist"),
        {"action": "change_status", "_selected_action": [selected], "to_status": "held"},
    )
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("nik", ["0", "6471", "abcdefghijklmnop", "64710501019\x000001"])
def test_resident_form_with_a_short_or_odd_nik_is_shown_again(client, staff, sepinggan, nik):
    """Regression: clean() read the NIK's digits before the NIK validator ran (a 500)."""
    _admin(client, staff)
    before = snapshot()
    response = client.post(
        reverse("admin:receipts_resident_add"),
        {
            "nik": nik,
            "full_name": "Uji",
            "birth_date": "1990-01-01",
            "sex": "L",
            "kelurahan": sepinggan.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["nik"]
    assert snapshot() == before
