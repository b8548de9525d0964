"""The admin of blank stock, printing, dispatches and counter records."""

import datetime

import pytest
from django.urls import reverse

from distribution.models import (
    BlankBatch,
    HandOver,
    IdDocumentType,
    PickupSchedule,
)
from tests.factories import BlankBatchFactory, OfficerFactory, dispatched_cards

DISTRIBUTION_MODELS = [
    "blankbatch",
    "printrun",
    "card",
    "dispatch",
    "dispatchitem",
    "pickupschedule",
    "iddocumenttype",
    "officer",
    "handover",
]


@pytest.fixture
def world(selatan, sepinggan, staff, clerk_selatan):
    dispatch, cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    card = cards[0]
    doc = IdDocumentType.objects.create(name="SIM")
    handover = HandOver.objects.create(
        receipt=card.receipt,
        card=card,
        kecamatan=selatan,
        clerk=clerk_selatan,
        identity_check=HandOver.IdentityCheck.RECEIPT,
    )
    schedule = PickupSchedule.objects.create(
        kecamatan=selatan,
        kelurahan=sepinggan,
        date="2018-02-12",
        start_time="08:00",
        end_time="12:00",
    )
    return {
        "blankbatch": card.batch,
        "printrun": card.print_run,
        "card": card,
        "dispatch": dispatch,
        "dispatchitem": dispatch.items.first(),
        "pickupschedule": schedule,
        "iddocumenttype": doc,
        "officer": clerk_selatan.officer,
        "handover": handover,
    }


@pytest.mark.parametrize(
    ("persona", "model"),
    [("superuser", model) for model in DISTRIBUTION_MODELS]
    # Officer rows are superusers' only (issue 16, finding 2): see test_roles.py.
    + [("staff", model) for model in DISTRIBUTION_MODELS if model != "officer"],
)
def test_staff_and_superuser_open_every_distribution_admin_page(
    client, request, world, persona, model
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(f"admin:distribution_{model}_changelist")).status_code == 200
    url = reverse(f"admin:distribution_{model}_change", args=[world[model].pk])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("model", ["printrun", "card", "dispatch", "dispatchitem", "handover"])
def test_workflow_records_cannot_be_added_in_the_admin(client, staff, model):
    client.force_login(staff)
    assert client.get(reverse(f"admin:distribution_{model}_add")).status_code == 403


def test_hand_overs_are_read_only_in_the_admin(client, staff, world):
    client.force_login(staff)
    handover = world["handover"]
    url = reverse("admin:distribution_handover_change", args=[handover.pk])
    client.post(url, {"note": "diubah"})
    handover.refresh_from_db()
    assert handover.note == ""
    assert 'name="note"' not in client.get(url).content.decode()


def test_blank_batch_list_shows_stock_totals_summed_over_batches(client, staff):
    BlankBatchFactory(quantity=80000, reference="A")
    BlankBatchFactory(quantity=10000, reference="B")
    BlankBatch.objects.filter(reference="A").update(used=60000, spoiled=200)
    BlankBatch.objects.filter(reference="B").update(used=9387)
    client.force_login(staff)
    response = client.get(reverse("admin:distribution_blankbatch_changelist"))
    assert response.context["stock_totals"] == {
        "received": 90000,
        "used": 69387,
        "spoiled": 200,
        "left": 20413,
    }
    assert "Stok blanko" in response.content.decode()


def test_blank_batch_used_and_spoiled_are_read_only(client, staff):
    batch = BlankBatchFactory(quantity=100)
    client.force_login(staff)
    url = reverse("admin:distribution_blankbatch_change", args=[batch.pk])
    client.post(
        url,
        {
            "reference": batch.reference,
            "quantity": 100,
            "received_on": "2018-01-10",
            "used": 99,
            "spoiled": 1,
        },
    )
    batch.refresh_from_db()
    assert (batch.used, batch.spoiled) == (0, 0)


def test_officer_list_flags_demo_accounts(client, superuser, selatan):
    OfficerFactory(kecamatan=selatan, is_demo=True)
    client.force_login(superuser)
    response = client.get(reverse("admin:distribution_officer_changelist"), {"is_demo__exact": "1"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    assert "akun demo" in response.content.decode().lower()


# --- Writes go where their rules live (issue 14, point 4) ---------------------------------


@pytest.mark.parametrize(
    ("model", "staff_page"),
    [("blankbatch", "staf:dashboard"), ("pickupschedule", "staf:pickup_days")],
)
def test_adding_stock_or_pickup_days_in_the_admin_leads_to_the_staff_page(
    client, staff, model, staff_page
):
    # The blank batch add form was a 500 (TypeError in BlankBatch.left on an empty form).
    client.force_login(staff)
    response = client.get(reverse(f"admin:distribution_{model}_add"))
    assert response.status_code == 302
    assert response["Location"] == reverse(staff_page)
    changelist = client.get(reverse(f"admin:distribution_{model}_changelist")).content.decode()
    assert reverse(staff_page) in changelist
    assert reverse(f"admin:distribution_{model}_add") not in changelist


def test_a_blank_batch_cannot_be_posted_in_the_admin(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:distribution_blankbatch_add"),
        {"reference": "470/9/DUKCAPIL", "quantity": 100, "received_on": "2099-01-01"},
    )
    assert response.status_code == 403
    assert not BlankBatch.objects.exists()


def test_an_unsaved_batch_has_no_stock_figure_rather_than_an_error():
    assert BlankBatch().left is None
    assert BlankBatch(quantity=10, used=3, spoiled=2).left == 5


@pytest.mark.parametrize("model", ["blankbatch", "pickupschedule", "dispatch"])
def test_workflow_records_are_read_only_with_no_delete_button(client, staff, world, model):
    client.force_login(staff)
    obj = world[model]
    url = reverse(f"admin:distribution_{model}_change", args=[obj.pk])
    page = client.get(url).content.decode()
    assert reverse(f"admin:distribution_{model}_delete", args=[obj.pk]) not in page
    assert client.post(url, {"note": "diubah"}).status_code == 403
    obj.refresh_from_db()
    assert obj.note == ""
    assert (
        client.get(reverse(f"admin:distribution_{model}_delete", args=[obj.pk])).status_code == 403
    )


def test_the_blank_list_shows_who_recorded_each_delivery(client, staff):
    from distribution.services import blank_batch_receive

    blank_batch_receive(
        reference="470/5/DUKCAPIL", quantity=500, received_on=datetime.date(2018, 1, 5), actor=staff
    )
    client.force_login(staff)
    page = client.get(reverse("admin:distribution_blankbatch_changelist")).content.decode()
    assert "470/5/DUKCAPIL" in page and staff.get_username() in page
