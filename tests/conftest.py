"""Personas and shared fixtures. Tests read like: a clerk of Selatan hands over a card."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from distribution.roles import CLERK_GROUP, STAFF_GROUP, SUPERVISOR_GROUP
from tests.factories import (
    KecamatanFactory,
    KelurahanFactory,
    OfficerFactory,
    ReceiptFactory,
    ResidentFactory,
    UserFactory,
)

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (row locks / concurrency); set DATABASE_URL to run it",
)


@pytest.fixture
def selatan(db):
    return KecamatanFactory(
        code="64.71.05",
        name="Balikpapan Selatan",
        slug="selatan",
        address="Jl. Marsma R. Iswahyudi No. 1 (contoh)",
        counter_hours="1-5 08:00-15:00",
    )


@pytest.fixture
def kota(db):
    return KecamatanFactory(
        code="64.71.06", name="Balikpapan Kota", slug="kota", address="Jl. Jend. Sudirman (contoh)"
    )


@pytest.fixture
def sepinggan(selatan):
    return KelurahanFactory(code="64.71.05.1002", name="Sepinggan", kecamatan=selatan)


@pytest.fixture
def prapatan(kota):
    return KelurahanFactory(code="64.71.06.1001", name="Prapatan", kecamatan=kota)


@pytest.fixture
def resident(sepinggan):
    """Siti Wahyuni, born 14 March 1990, living in Sepinggan (Balikpapan Selatan)."""
    return ResidentFactory(full_name="Siti Wahyuni", kelurahan=sepinggan)


@pytest.fixture
def receipt(resident):
    return ReceiptFactory(resident=resident, number="BPN1708010001")


def _in_group(user, name):
    user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def staff(db):
    """Disdukcapil staff: admin access through the staff group, not a superuser."""
    return _in_group(UserFactory(username="staf", is_staff=True), STAFF_GROUP)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def clerk_selatan(selatan):
    user = OfficerFactory(user=UserFactory(username="loket.selatan"), kecamatan=selatan).user
    return _in_group(user, CLERK_GROUP)


@pytest.fixture
def clerk_selatan_2(selatan):
    """A second clerk at the same counter (for two-clerks-at-once tests)."""
    user = OfficerFactory(user=UserFactory(username="loket2.selatan"), kecamatan=selatan).user
    return _in_group(user, CLERK_GROUP)


@pytest.fixture
def clerk_kota(kota):
    user = OfficerFactory(user=UserFactory(username="loket.kota"), kecamatan=kota).user
    return _in_group(user, CLERK_GROUP)


@pytest.fixture
def supervisor_selatan(selatan):
    user = OfficerFactory(
        user=UserFactory(username="spv.selatan"), kecamatan=selatan, role="supervisor"
    ).user
    return _in_group(user, SUPERVISOR_GROUP)


@pytest.fixture
def anonymous(client):
    return client


# --- counter (issue 4) ---


@pytest.fixture
def ktp(db):
    """The ID document most proxies show at the counter."""
    from tests.factories import IdDocumentTypeFactory

    return IdDocumentTypeFactory(name="KTP-el")


@pytest.fixture
def card_selatan(resident):
    """Siti Wahyuni's printed card, `ready` at the Balikpapan Selatan counter."""
    from tests.factories import ready_card

    return ready_card(resident=resident, number="BPN1708050123", serial="KTPSEL0000123")


@pytest.fixture
def card_kota(prapatan):
    """A `ready` card of a resident of Prapatan, collected at Balikpapan Kota."""
    from tests.factories import ResidentFactory, ready_card

    return ready_card(
        resident=ResidentFactory(full_name="Budi Santoso", kelurahan=prapatan, sex="L"),
        number="BPN1708060456",
        serial="KTPKOT0000456",
    )
