"""The audit trail: who changed what, when, before and after — readable by staff only."""

from auditlog.models import LogEntry
from django.contrib.auth.models import Group

from receipts.models import Kecamatan


def test_admin_edit_is_audited_with_actor_before_and_after(client, superuser, selatan):
    client.force_login(superuser)
    url = f"/admin/receipts/kecamatan/{selatan.pk}/change/"
    response = client.post(
        url,
        {
            "code": selatan.code,
            "name": selatan.name,
            "slug": selatan.slug,
            "address": "Jl. Baru No. 9",
            "counter_hours": selatan.counter_hours,
            "phone": "",
            # The kelurahan inline's management form (no kelurahan rows in this test).
            "kelurahan-TOTAL_FORMS": "0",
            "kelurahan-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    entry = LogEntry.objects.get_for_object(selatan).latest("timestamp")
    assert entry.actor == superuser
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes["address"] == [
        "Jl. Marsma R. Iswahyudi No. 1 (contoh)",
        "Jl. Baru No. 9",
    ]


def test_change_outside_a_request_is_audited_without_actor(selatan):
    Kecamatan.objects.get(pk=selatan.pk)
    selatan.phone = "0542-000"
    selatan.save()
    entry = LogEntry.objects.get_for_object(selatan).latest("timestamp")
    assert entry.actor is None
    assert entry.changes["phone"] == ["", "0542-000"]


def test_staff_can_read_but_not_change_the_audit_trail(client, staff, selatan):
    assert (
        Group.objects.get(name="Staf Disdukcapil")
        .permissions.filter(codename="view_logentry")
        .exists()
    )
    client.force_login(staff)
    response = client.get("/admin/auditlog/logentry/", {"q": "Selatan"})
    assert response.status_code == 200
    entry = LogEntry.objects.get_for_object(selatan).first()
    assert client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/").status_code == 403


def test_clerk_cannot_read_the_audit_trail(client, clerk_selatan):
    client.force_login(clerk_selatan)
    response = client.get("/admin/auditlog/logentry/")
    assert response.status_code == 302  # not staff: sent to the admin login


def test_hand_over_at_the_counter_is_audited_with_the_clerk(client, clerk_selatan, card_selatan):
    from django.urls import reverse

    from distribution.models import HandOver

    client.force_login(clerk_selatan)
    response = client.post(
        reverse("loket:receipt", args=[card_selatan.receipt.number]),
        {"collected_by": "resident", "identity_check": "fingerprint"},
    )
    assert response.status_code == 302
    handover = HandOver.objects.get(card=card_selatan)
    entry = LogEntry.objects.get_for_object(handover).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == clerk_selatan
    receipt_entry = LogEntry.objects.get_for_object(card_selatan.receipt).latest("timestamp")
    assert receipt_entry.actor == clerk_selatan
    assert receipt_entry.changes["status"] == ["ready", "collected"]
