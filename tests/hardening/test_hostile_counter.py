"""Hostile input to every form of the counter (/loket/): never a 5xx, a refusal writes nothing."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from distribution.models import DispatchItem, HandOver
from distribution.services import handover_record
from receipts.models import Status
from tests.factories import ResidentFactory, dispatched_cards
from tests.hardening.hostile import (
    HOSTILE_SETTINGS,
    INJECTION,
    assert_clean,
    hostile_number,
    hostile_text,
    rolled_back,
    snapshot,
)

pytestmark = [pytest.mark.hostile, pytest.mark.slow]


@pytest.fixture
def counter(client, clerk_selatan):
    client.force_login(clerk_selatan)
    return client


@HOSTILE_SETTINGS
@given(q=hostile_text)
def test_counter_search_survives_any_query(counter, card_selatan, q):
    before = snapshot()
    response = counter.get(reverse("loket:home"), {"q": q})
    assert response.status_code in {200, 302, 400, 414}, (q, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("q", ["' OR 1=1 --", "%' OR 1=1 --", "%", "_", "' OR '1'='1"])
def test_sql_injection_in_the_name_search_finds_nothing(counter, card_selatan, q):
    response = counter.get(reverse("loket:home"), {"q": q})
    assert response.status_code == 200
    body = response.content.decode()
    assert card_selatan.receipt.number not in body
    assert "S*** W" not in body and "Siti Wahyuni" not in body


def test_resident_name_with_markup_is_shown_escaped_at_the_counter(
    client, superuser, clerk_selatan, card_selatan
):
    """A name saved through the admin with HTML in it is text on the counter page, not markup."""
    resident = card_selatan.receipt.resident
    client.force_login(superuser)
    response = client.post(
        reverse("admin:receipts_resident_change", args=[resident.pk]),
        {
            "nik": resident.nik,
            "full_name": "Siti <script>alert(1)</script>",
            "birth_date": resident.birth_date.isoformat(),
            "sex": resident.sex,
            "kelurahan": resident.kelurahan_id,
            "address": '"><img src=x onerror=alert(1)>',
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    client.force_login(clerk_selatan)
    page = client.get(reverse("loket:receipt", args=[card_selatan.receipt.number]))
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body


HANDOVER_FIELDS = {
    "collected_by": st.one_of(st.sampled_from(["resident", "proxy"]), hostile_text),
    "identity_check": st.one_of(
        st.sampled_from([c.value for c in HandOver.IdentityCheck]), hostile_text
    ),
    "proxy_name": hostile_text,
    "proxy_relationship": hostile_text,
    "proxy_authority": st.one_of(st.sampled_from(["kk", "surat_kuasa", ""]), hostile_text),
    # The real KTP-el id is filled in by the test; these are ids that do not exist.
    "id_document_type": st.one_of(st.just("KTP"), hostile_number),
    "id_document_number": hostile_text,
    "note": hostile_text,
}


@HOSTILE_SETTINGS
@given(data=st.fixed_dictionaries({}, optional=HANDOVER_FIELDS))
def test_hand_over_form_survives_any_input(counter, card_selatan, ktp, data):
    if data.get("id_document_type") == "KTP":
        data["id_document_type"] = str(ktp.pk)
    url = reverse("loket:receipt", args=[card_selatan.receipt.number])
    with rolled_back():
        before = snapshot()
        response = counter.post(url, data)
        refused = assert_clean(response, before)
        if not refused:
            # Accepted: exactly one hand-over, and the receipt is collected.
            card_selatan.receipt.refresh_from_db()
            assert card_selatan.receipt.status == Status.COLLECTED
            assert HandOver.objects.filter(card=card_selatan).count() == 1


@HOSTILE_SETTINGS
@given(reason=hostile_text, extra=hostile_text)
def test_undo_form_survives_any_reason(
    client, supervisor_selatan, clerk_selatan, card_selatan, reason, extra
):
    client.force_login(supervisor_selatan)
    url = reverse("loket:undo", args=[card_selatan.receipt.number])
    with rolled_back():
        handover = handover_record(
            receipt=card_selatan.receipt,
            actor=clerk_selatan,
            collected_by="resident",
            identity_check="fingerprint",
        )
        before = snapshot()
        response = client.post(url, {"reason": reason, "handover": handover.pk, "extra": extra})
        refused = assert_clean(response, before)
        if refused:
            assert response.status_code == 400  # the reason was blank, too long or had NUL
        else:
            assert HandOver.objects.get(card=card_selatan).undone_at is not None


@pytest.fixture
def arrival(selatan, kota, staff):
    """A dispatch of three cards to Selatan, and one card dispatched to Kota."""
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=3, sent_by=staff)
    _other, other_cards = dispatched_cards(kecamatan=kota, count=1, sent_by=staff)
    return dispatch, [c.pk for c in cards], other_cards[0].pk


@HOSTILE_SETTINGS
@given(
    picks=st.lists(
        st.one_of(
            st.sampled_from(["OWN0", "OWN1", "OTHER", "0", "-1", "99999999"]), hostile_number
        ),
        max_size=5,
    ),
    note=hostile_text,
)
def test_arrival_confirmation_survives_any_missing_cards(counter, arrival, picks, note):
    dispatch, own, other = arrival
    missing = [str(own[int(p[3])]) if p.startswith("OWN") and p[3:].isdigit() else p for p in picks]
    missing = [str(other) if p == "OTHER" else p for p in missing]
    url = reverse("loket:arrival", args=[dispatch.pk])
    with rolled_back():
        before = snapshot()
        response = counter.post(url, {"missing": missing, "note": note})
        refused = assert_clean(response, before)
        foreign = [p for p in missing if p not in {str(i) for i in own}]
        if foreign:
            # A card of another dispatch or kecamatan, or not a number at all: refused.
            assert refused and response.status_code == 400
        if not refused:
            assert not DispatchItem.objects.filter(dispatch=dispatch, arrived=None).exists()


@HOSTILE_SETTINGS
@given(username=hostile_text, password=hostile_text)
def test_login_forms_survive_any_credentials(clerk_selatan, username, password):
    client = Client()
    for url in (reverse("loket:login"), reverse("admin:login")):
        before = snapshot()
        response = client.post(url, {"username": username, "password": password})
        assert response.status_code in {200, 400}, (url, response.status_code)
        assert snapshot() == before
        assert "_auth_user_id" not in client.session


def test_login_with_sql_injection_does_not_log_in(clerk_selatan):
    client = Client()
    for attempt in INJECTION[:5]:
        response = client.post(
            reverse("loket:login"), {"username": clerk_selatan.username, "password": attempt}
        )
        assert response.status_code == 200
        response = client.post(reverse("loket:login"), {"username": attempt, "password": attempt})
        assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_resident_named_like_an_injection_is_found_only_by_that_name(counter, sepinggan):
    from tests.factories import ready_card

    odd = ResidentFactory(full_name="O'Brien OR 1=1", kelurahan=sepinggan)
    ready_card(resident=odd, number="BPN1708050999")
    response = counter.get(reverse("loket:home"), {"q": "O'Brien"})
    assert response.status_code == 200
    assert "BPN1708050999" in response.content.decode()
