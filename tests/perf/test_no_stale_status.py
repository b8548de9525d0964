"""Nothing cached may hide a status change: the public answer moves at once.

The lookup page and the API are asked before the change (so any cache would be warm) and
right after it, without clearing anything in between.
"""

from distribution.services import dispatch_receive, handover_record
from tests.factories import dispatched_cards, ready_card


def public_status(client, number):
    page = client.get("/cek/", {"nomor": number})
    api = client.get(f"/api/v1/receipts/{number}/")
    assert page.status_code == api.status_code == 200
    return page.content.decode(), api.json()["status"]


def test_lookup_shows_collected_right_after_the_hand_over(client, clerk_selatan, sepinggan):
    card = ready_card(kelurahan=sepinggan)
    page, status = public_status(client, card.receipt.number)
    assert status == "ready"
    assert "Siap diambil" in page

    handover_record(
        receipt=card.receipt,
        actor=clerk_selatan,
        collected_by="resident",
        identity_check="receipt",
    )

    page, status = public_status(client, card.receipt.number)
    assert status == "collected"
    assert "Sudah diambil" in page


def test_lookup_shows_ready_right_after_the_dispatch_arrives(
    client, staff, clerk_selatan, selatan, sepinggan
):
    dispatch, (card,) = dispatched_cards(
        kecamatan=selatan, count=1, sent_by=staff, resident_kelurahan=sepinggan
    )
    page, status = public_status(client, card.receipt.number)
    assert status == "dispatched"

    dispatch_receive(dispatch=dispatch, actor=clerk_selatan)

    page, status = public_status(client, card.receipt.number)
    assert status == "ready"
    assert "Siap diambil" in page
