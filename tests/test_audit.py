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
