"""Demo accounts: only seed_demo makes them, they are flagged in the admin, and production warns."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command

from disdukcapil import checks
from tests.factories import UserFactory

User = get_user_model()


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--scale", "0.01", stdout=StringIO(), stderr=StringIO())


def test_a_migrated_database_has_no_accounts_at_all(db, settings):
    settings.DEBUG = False
    assert not User.objects.exists()
    assert checks.check_demo_accounts(None, databases=["default"]) == []


def test_every_seeded_account_is_a_demo_account_and_production_warns(seeded, settings):
    settings.DEBUG = False
    users = User.objects.all()
    assert users.count() == 13  # staf + a clerk and a supervisor for each of 6 kecamatan
    assert all(u.groups.filter(name=checks.DEMO_GROUP).exists() for u in users)
    warnings = checks.check_demo_accounts(None, databases=["default"])
    assert [w.id for w in warnings] == ["disdukcapil.W001"]
    assert warnings[0].msg.startswith("13 demo account(s)")

    users.update(is_active=False)
    assert checks.check_demo_accounts(None, databases=["default"]) == []


def test_demo_accounts_are_flagged_in_the_admin_user_list(seeded, client):
    admin = UserFactory(username="admin.sungguhan", is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get("/admin/auth/user/")
    assert page.status_code == 200
    assert "akun demo" in page.content.decode().lower()
    flags = {u.username: u.is_demo_account for u in page.context["cl"].result_list}
    assert flags["admin.sungguhan"] is False
    assert flags["staf"] is True and flags["loket.selatan"] is True

    only_demo = client.get("/admin/auth/user/", {"demo": "1"})
    names = {u.username for u in only_demo.context["cl"].result_list}
    assert "admin.sungguhan" not in names and len(names) == 13
    not_demo = client.get("/admin/auth/user/", {"demo": "0"})
    assert {u.username for u in not_demo.context["cl"].result_list} == {"admin.sungguhan"}


def test_password_validators_are_on_for_new_passwords(db):
    user = User(username="petugas.baru")
    for weak in ("pendek", "password1234", "123456789012", "petugas.baru1"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("kartu-tanda-penduduk-2018-balikpapan", user)
