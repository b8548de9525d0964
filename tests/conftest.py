"""Personas and shared fixtures. Tests read like: a clerk of Selatan hands over a card.

Every fixture shared by more than one test module lives here (or in a directory's conftest.py),
never in a test module; plain helpers live in modules beside it (tests/factories.py,
tests/import_rows.py). Markers (pyproject.toml): ``postgres`` tests are skipped on SQLite,
``browser`` tests (tests/browser/) need Chromium, ``slow`` tests are left out by
``make test-fast``; ``make test`` and .ci/run run them all.
"""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from hypothesis import settings as hypothesis_settings

from distribution.roles import CLERK_GROUP, STAFF_GROUP, SUPERVISOR_GROUP
from tests.factories import (
    KecamatanFactory,
    KelurahanFactory,
    OfficerFactory,
    ReceiptFactory,
    ResidentFactory,
    UserFactory,
    in_group,
)

# Hypothesis (the hostile suites; their budget is in tests/hardening/hostile.py): the same
# examples on every run by default; HYPOTHESIS_PROFILE=hostile-full for fresh random ones.
hypothesis_settings.register_profile("fixed", derandomize=True, database=None)
hypothesis_settings.register_profile("hostile-full", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "fixed")


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:  # noqa: BLE001 (any failure means: no Redis to test against)
        return False
    return True


def pytest_collection_modifyitems(config, items):
    """``postgres`` tests (row locks, concurrency, query plans) are skipped on SQLite, ``redis``
    tests when no Redis answers at settings.TEST_REDIS_URL."""
    skips = {}
    if connection.vendor != "postgresql":
        skips["postgres"] = "needs PostgreSQL (row locks / concurrency); set DATABASE_URL to run it"
    wants_redis = any(item.get_closest_marker("redis") for item in items)
    if wants_redis and not _redis_reachable(settings.TEST_REDIS_URL):
        skips["redis"] = f"no Redis at {settings.TEST_REDIS_URL}"
    for item in items:
        for marker, reason in skips.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def _flushes_database(item) -> bool:
    """A transactional test ends with a flush that empties every table, migrations' rows too."""
    if {"transactional_db", "live_server"} & set(item.fixturenames):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


def _write_migration_rows():
    """The rows the data migrations write, as the last of them leaves them: the three roles and
    their permissions, and the one-row tables. (The flush's post_migrate re-creates content
    types and permissions.)"""
    from auditlog.context import disable_auditlog
    from django.contrib.auth.models import Group, Permission

    from distribution.models import PrintingPlan
    from distribution.roles import ensure_roles
    from receipts.models import HeadOffice, PublicDataVersion

    with disable_auditlog():  # the migrations ran without it
        ensure_roles(Group, Permission)
        for model in (PublicDataVersion, HeadOffice, PrintingPlan):
            model.objects.get_or_create(pk=1)


def migration_rows() -> dict:
    """What the data migrations leave in the database: each group's permissions and the row
    count of every table other than content types and permissions."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    rows = {
        f"group {group.name}": sorted(
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
        )
        for group in Group.objects.prefetch_related("permissions__content_type")
    }
    for model in apps.get_models():
        skip = model._meta.label in ("contenttypes.ContentType", "auth.Permission")
        if not skip and (count := model._default_manager.count()):
            rows[model._meta.label] = count
    return rows


@pytest.fixture(scope="session")
def migrated_rows(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return migration_rows()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put back what the migrations wrote after a transactional test's flush.

    Run in one process, pytest-django orders the transactional tests last, so no test runs
    after a flush; in several processes (pytest-xdist hands out whole files) a ``db`` test may,
    and would miss the roles.
    """
    result = yield
    # After the last test the test database is already gone (nextitem None).
    if nextitem is not None and _flushes_database(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _write_migration_rows()
    return result


@pytest.fixture(autouse=True)
def _reset_factory_sequences():
    """KecamatanFactory's codes (``64.71.NN``, at most 8 characters) wrap after 90 calls, and
    every call in the session counts: start every test from zero, so that no test depends on
    how many kecamatan the tests before it made."""
    KecamatanFactory.reset_sequence()
    KelurahanFactory.reset_sequence()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached pages of one test must not leak into the next (in CI
    the cache is Redis, shared by the whole run)."""
    cache.clear()
    yield
    cache.clear()


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
def places(sepinggan, prapatan):
    """The two kelurahan the import rows of tests/import_rows.py live in."""
    return sepinggan, prapatan


@pytest.fixture
def resident(sepinggan):
    """Siti Wahyuni, born 14 March 1990, living in Sepinggan (Balikpapan Selatan)."""
    return ResidentFactory(full_name="Siti Wahyuni", kelurahan=sepinggan)


@pytest.fixture
def receipt(resident):
    return ReceiptFactory(resident=resident, number="BPN1708010001")


@pytest.fixture
def staff(db):
    """Disdukcapil staff: admin access through the staff group, not a superuser."""
    return in_group(UserFactory(username="staf", is_staff=True), STAFF_GROUP)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def clerk_selatan(selatan):
    user = OfficerFactory(user=UserFactory(username="loket.selatan"), kecamatan=selatan).user
    return in_group(user, CLERK_GROUP)


@pytest.fixture
def clerk_selatan_2(selatan):
    """A second clerk at the same counter (for two-clerks-at-once tests)."""
    user = OfficerFactory(user=UserFactory(username="loket2.selatan"), kecamatan=selatan).user
    return in_group(user, CLERK_GROUP)


@pytest.fixture
def clerk_kota(kota):
    user = OfficerFactory(user=UserFactory(username="loket.kota"), kecamatan=kota).user
    return in_group(user, CLERK_GROUP)


@pytest.fixture
def supervisor_selatan(selatan):
    user = OfficerFactory(
        user=UserFactory(username="spv.selatan"), kecamatan=selatan, role="supervisor"
    ).user
    return in_group(user, SUPERVISOR_GROUP)


@pytest.fixture
def anonymous(client):
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
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
