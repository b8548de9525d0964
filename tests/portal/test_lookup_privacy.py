"""Privacy: a public response never carries the holder's NIK, birth date, full name, address,
phone or e-mail, in the page or the API, whatever the status."""

import pytest

from receipts.models import Status

from .conftest import PRIVATE_ADDRESS, PRIVATE_EMAIL, PRIVATE_PHONE


def private_strings(resident):
    b = resident.birth_date
    return [
        resident.nik,
        resident.nik[:6] + " " + resident.nik[6:],  # a NIK typed in groups
        resident.full_name,
        resident.full_name.upper(),
        resident.full_name.split()[0] + " " + resident.full_name.split()[1],  # first two words
        PRIVATE_ADDRESS,
        PRIVATE_PHONE,
        PRIVATE_EMAIL,
        b.isoformat(),  # 1990-03-14
        b.strftime("%d-%m-%Y"),
        b.strftime("%d/%m/%Y"),
        b.strftime("%d.%m.%Y"),
        b.strftime("%d%m%y"),  # as encoded in the NIK (women have 40 added to the day)
        f"{b.day + 40:02d}{b:%m%y}",
        f"{b.day} Maret {b.year}",
        f"{b.day} Mar {b.year}",
        f"March {b.day}, {b.year}",
        f"{b.day} March {b.year}",
    ]


@pytest.mark.parametrize("status", [s.value for s in Status])
@pytest.mark.parametrize("language", ["id", "en"])
def test_nothing_private_in_page_or_api(anonymous, receipts_by_status, status, language):
    receipt = receipts_by_status[status]
    resident = receipt.resident
    responses = [
        anonymous.get("/cek/", {"nomor": receipt.number}, HTTP_ACCEPT_LANGUAGE=language),
        anonymous.get(f"/api/v1/receipts/{receipt.number}/", HTTP_ACCEPT_LANGUAGE=language),
    ]
    for response in responses:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in private_strings(resident):
            assert secret not in body, (secret, response["Content-Type"])


def test_not_found_page_does_not_echo_a_nik_typed_as_number(anonymous, receipt):
    """A resident who types their NIK gets 'not found' — the page shows what they typed, which
    is theirs, but never the data of the holder of any receipt."""
    response = anonymous.get("/cek/", {"nomor": receipt.resident.nik})
    assert response.status_code == 404
    assert receipt.resident.full_name not in response.content.decode()


def test_statistics_show_no_private_data(anonymous, receipts_by_status):
    body = anonymous.get("/statistik/").content.decode()
    for receipt in receipts_by_status.values():
        assert receipt.resident.nik not in body
        assert receipt.resident.full_name not in body
        assert receipt.number not in body
