"""Hand-over and undo services: the counter's rules, whoever calls them."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from distribution.models import HandOver
from distribution.services import HandOverError, handover_record, handover_undo
from receipts.models import ReceiptEvent, Status
from tests.factories import ReceiptFactory

WITA = datetime.timezone(datetime.timedelta(hours=8))


def hand_to_resident(card, clerk, **extra):
    return handover_record(
        receipt=card.receipt,
        actor=clerk,
        collected_by=HandOver.CollectedBy.RESIDENT,
        identity_check=HandOver.IdentityCheck.RECEIPT,
        **extra,
    )


def test_resident_collects_own_ready_card(card_selatan, clerk_selatan):
    handover = hand_to_resident(card_selatan, clerk_selatan)
    receipt = card_selatan.receipt
    receipt.refresh_from_db()
    assert receipt.status == Status.COLLECTED
    assert receipt.collected_at == handover.handed_at
    assert handover.card == card_selatan and handover.clerk == clerk_selatan
    event = receipt.events.get(to_status=Status.COLLECTED)
    assert event.actor == clerk_selatan
    assert event.note == "Diambil oleh pemilik sendiri."


def test_proxy_collects_with_name_relationship_authority_and_document(
    card_selatan, clerk_selatan, ktp
):
    handover = handover_record(
        receipt=card_selatan.receipt,
        actor=clerk_selatan,
        collected_by=HandOver.CollectedBy.PROXY,
        identity_check=HandOver.IdentityCheck.DOCUMENT,
        id_document_type=ktp,
        id_document_number="6471051403900001",
        proxy_name="Budi",
        proxy_relationship="suami",
        proxy_authority=HandOver.ProxyAuthority.FAMILY_CARD,
    )
    handover.refresh_from_db()
    assert (handover.proxy_name, handover.proxy_relationship) == ("Budi", "suami")
    event = card_selatan.receipt.events.get(to_status=Status.COLLECTED)
    assert "Budi" in event.note and "suami" in event.note


@pytest.mark.parametrize(
    "missing",
    ["proxy_name", "proxy_relationship", "proxy_authority", "id_document_number"],
)
def test_proxy_without_complete_details_is_refused(card_selatan, clerk_selatan, ktp, missing):
    details = {
        "id_document_type": ktp,
        "id_document_number": "123",
        "proxy_name": "Budi",
        "proxy_relationship": "suami",
        "proxy_authority": "kk",
    }
    details[missing] = ""
    with pytest.raises(HandOverError, match="diwakilkan"):
        handover_record(
            receipt=card_selatan.receipt,
            actor=clerk_selatan,
            collected_by=HandOver.CollectedBy.PROXY,
            identity_check=HandOver.IdentityCheck.RECEIPT,
            **details,
        )
    assert not HandOver.objects.exists()
    card_selatan.receipt.refresh_from_db()
    assert card_selatan.receipt.status == Status.READY


def test_resident_path_drops_proxy_fields(card_selatan, clerk_selatan):
    handover = hand_to_resident(card_selatan, clerk_selatan, proxy_name="Budi")
    assert handover.proxy_name == ""


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.PRINTED, Status.ON_HOLD])
def test_only_ready_cards_can_be_handed_over(resident, clerk_selatan, status):
    from tests.factories import CardFactory

    card = CardFactory(receipt=ReceiptFactory(resident=resident, status=status))
    with pytest.raises(HandOverError, match=str(Status(status).label)):
        hand_to_resident(card, clerk_selatan)
    assert not HandOver.objects.exists()


def test_second_hand_over_names_the_first(card_selatan, clerk_selatan, clerk_selatan_2):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 10, 42, tzinfo=WITA), tick=False):
        hand_to_resident(card_selatan, clerk_selatan)
        with pytest.raises(HandOverError) as refused:
            hand_to_resident(card_selatan, clerk_selatan_2)
    assert refused.value.message == "Sudah diserahkan pada 10:42 oleh loket.selatan."
    assert refused.value.handover.clerk == clerk_selatan
    assert HandOver.objects.count() == 1
    assert ReceiptEvent.objects.filter(to_status=Status.COLLECTED).count() == 1


def test_clerk_of_another_kecamatan_cannot_hand_over(card_selatan, clerk_kota):
    with pytest.raises(HandOverError, match="bukan petugas"):
        hand_to_resident(card_selatan, clerk_kota)


def test_user_without_officer_row_cannot_hand_over(card_selatan, staff):
    with pytest.raises(HandOverError, match="bukan petugas"):
        hand_to_resident(card_selatan, staff)


def test_supervisor_undoes_with_reason_and_card_is_ready_again(
    card_selatan, clerk_selatan, supervisor_selatan
):
    handover = hand_to_resident(card_selatan, clerk_selatan)
    handover_undo(handover=handover, actor=supervisor_selatan, reason="Salah orang")
    handover.refresh_from_db()
    assert handover.undone_by == supervisor_selatan and handover.undo_reason == "Salah orang"
    assert handover.undone_at is not None
    receipt = card_selatan.receipt
    receipt.refresh_from_db()
    assert receipt.status == Status.READY and receipt.collected_at is None
    event = receipt.events.order_by("-at", "-pk").first()
    assert (event.from_status, event.to_status) == (Status.COLLECTED, Status.READY)
    assert event.actor == supervisor_selatan and "Salah orang" in event.note
    # and it can be handed over again
    again = hand_to_resident(card_selatan, clerk_selatan)
    assert HandOver.objects.filter(undone_at__isnull=True).get() == again


def test_clerk_cannot_undo(card_selatan, clerk_selatan, clerk_selatan_2):
    handover = hand_to_resident(card_selatan, clerk_selatan)
    with pytest.raises(HandOverError, match="supervisor"):
        handover_undo(handover=handover, actor=clerk_selatan_2, reason="x")
    handover.refresh_from_db()
    assert handover.undone_at is None


def test_supervisor_of_another_kecamatan_cannot_undo(card_selatan, clerk_selatan, kota):
    from django.contrib.auth.models import Group

    from distribution.roles import SUPERVISOR_GROUP
    from tests.factories import OfficerFactory, UserFactory

    spv_kota = OfficerFactory(
        user=UserFactory(username="spv.kota"), kecamatan=kota, role="supervisor"
    ).user
    spv_kota.groups.add(Group.objects.get(name=SUPERVISOR_GROUP))
    handover = hand_to_resident(card_selatan, clerk_selatan)
    with pytest.raises(HandOverError, match="bukan petugas"):
        handover_undo(handover=handover, actor=spv_kota, reason="x")


def test_undo_requires_a_reason(card_selatan, clerk_selatan, supervisor_selatan):
    handover = hand_to_resident(card_selatan, clerk_selatan)
    with pytest.raises(HandOverError, match="alasan"):
        handover_undo(handover=handover, actor=supervisor_selatan, reason="  ")
    card_selatan.receipt.refresh_from_db()
    assert card_selatan.receipt.status == Status.COLLECTED


def test_undo_twice_is_refused(card_selatan, clerk_selatan, supervisor_selatan):
    handover = hand_to_resident(card_selatan, clerk_selatan)
    handover_undo(handover=handover, actor=supervisor_selatan, reason="Salah orang")
    with pytest.raises(HandOverError, match="sudah dibatalkan"):
        handover_undo(handover=handover, actor=supervisor_selatan, reason="lagi")


def test_handed_at_is_now(card_selatan, clerk_selatan):
    before = timezone.now()
    handover = hand_to_resident(card_selatan, clerk_selatan)
    assert before <= handover.handed_at <= timezone.now()
