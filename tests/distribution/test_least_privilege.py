"""Least privilege (issue 16, findings 2 and 7): staff cannot become counter supervisors,
only superusers manage Officer rows and accounts, nobody grants themselves anything, and
staff read the audit trail only of what they may view."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group, Permission

from distribution.models import Officer
from distribution.roles import STAFF_GROUP, SUPERVISOR_GROUP
from tests.factories import UserFactory

COUNTER_ONLY = ("hand_over_card", "undo_handover")


def test_staff_group_holds_no_counter_officer_account_or_delete_permission(db):
    staff = Group.objects.get(name=STAFF_GROUP).permissions.select_related("content_type")
    codenames = {p.codename for p in staff}
    assert not codenames & set(COUNTER_ONLY)
    assert not {c for c in codenames if c.endswith("_officer")}
    assert not {c for c in codenames if c.startswith("delete_")}
    assert not staff.filter(content_type__app_label="auth").exists()
    # What the job needs is still there.
    assert {"add_printrun", "add_dispatch", "add_pickupschedule", "add_receipt"} <= codenames


def test_staff_cannot_make_themselves_a_counter_supervisor(client, staff, selatan):
    client.force_login(staff)
    response = client.post(
        "/admin/distribution/officer/add/",
        {"user": staff.pk, "kecamatan": selatan.pk, "role": "supervisor"},
    )
    assert response.status_code == 403
    assert not Officer.objects.filter(user=staff).exists()
    assert not staff.has_perm("distribution.undo_handover")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/distribution/officer/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
    ],
)
def test_staff_cannot_open_accounts_or_officer_rows(client, staff, url):
    client.force_login(staff)
    assert client.get(url).status_code == 403


def test_a_permission_granted_by_mistake_still_opens_no_account_page(client, staff):
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="auth"),
        *Permission.objects.filter(codename__endswith="_officer"),
    )
    client.force_login(staff)
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/distribution/officer/add/").status_code == 403
    response = client.post(
        f"/admin/auth/user/{staff.pk}/change/",
        {"username": staff.username, "is_superuser": "on", "date_joined_0": "2018-01-01"},
    )
    assert response.status_code == 403
    staff.refresh_from_db()
    assert not staff.is_superuser


def test_superuser_cannot_give_their_own_account_a_counter_role(client, superuser, selatan):
    client.force_login(superuser)
    response = client.post(
        "/admin/distribution/officer/add/",
        {"user": superuser.pk, "kecamatan": selatan.pk, "role": "supervisor"},
    )
    assert response.status_code == 200
    assert "akun Anda sendiri" in response.content.decode()
    assert not Officer.objects.filter(user=superuser).exists()


def test_superuser_gives_another_account_a_counter_role(client, superuser, selatan):
    other = UserFactory(username="loket.baru")
    client.force_login(superuser)
    response = client.post(
        "/admin/distribution/officer/add/",
        {"user": other.pk, "kecamatan": selatan.pk, "role": "clerk"},
    )
    assert response.status_code == 302
    assert Officer.objects.get(user=other).kecamatan == selatan


def test_own_account_cannot_change_its_own_groups_or_flags(client, db):
    admin = UserFactory(username="admin2", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/admin/auth/user/{admin.pk}/change/").content.decode()
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page
    supervisor = Group.objects.get(name=SUPERVISOR_GROUP)
    client.post(
        f"/admin/auth/user/{admin.pk}/change/",
        {
            "username": admin.username,
            "groups": [supervisor.pk],
            "is_active": "",
            "date_joined_0": "2018-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    admin.refresh_from_db()
    assert admin.is_active and not admin.groups.exists()


def test_staff_audit_log_hides_account_entries(client, staff, superuser, selatan):
    superuser.email = "kepala@disdukcapil.example"
    superuser.save()
    user_entry = LogEntry.objects.get_for_object(superuser).latest("timestamp")
    selatan.phone = "0542-1"
    selatan.save()
    kecamatan_entry = LogEntry.objects.get_for_object(selatan).latest("timestamp")
    client.force_login(staff)
    listing = client.get("/admin/auditlog/logentry/")
    assert listing.status_code == 200
    shown = {entry.pk for entry in listing.context["cl"].result_list}
    assert kecamatan_entry.pk in shown
    assert user_entry.pk not in shown
    detail = client.get(f"/admin/auditlog/logentry/{user_entry.pk}/change/", follow=True)
    assert "kepala@disdukcapil.example" not in detail.content.decode()
    assert client.get(f"/admin/auditlog/logentry/{kecamatan_entry.pk}/change/").status_code == 200


def test_superuser_audit_log_shows_account_entries(client, superuser):
    entry = LogEntry.objects.get_for_object(superuser).latest("timestamp")
    client.force_login(superuser)
    listing = client.get("/admin/auditlog/logentry/")
    assert entry.pk in {e.pk for e in listing.context["cl"].result_list}
