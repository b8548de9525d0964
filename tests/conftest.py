"""Personas and shared fixtures. Tests read like: a clerk of Selatan hands over a card.

Every fixture shared by more than one test module lives here (or in a directory's conftest.py),
never in a test module; plain helpers live in modules beside it (tests/factories.py,
tests/import_rows.py). Markers (pyproject.toml): ``postgres`` tests are skipped on SQLite,
``browser`` tests (tests/browser/) need Chromium, ``slow`` tests are left out by
``make test-fast``; ``make test`` and .ci/run run them all.
"""

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

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


# --- one migrated database for all test processes ---------------------------------------------
# Migrating a test database takes 20-40 s here, and each pytest-xdist process would do it at the
# same moment. On PostgreSQL the first process migrates a template once; every process copies
# it (CREATE DATABASE ... TEMPLATE, about a second) and pytest-django then finds its database
# there (keepdb). The last process out drops the template.


@contextlib.contextmanager
def _locked(path: Path):
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cloning(config) -> bool:
    return hasattr(config, "workerinput") and connection.vendor == "postgresql"


def _template_paths(config):
    uid = config.workerinput["testrunuid"][:12]
    base = connection.settings_dict["TEST"]["NAME"].rsplit("_", 1)[0]  # test_ektp_ci(_gw0)
    return f"{base}_tpl_{uid}", Path(tempfile.gettempdir()) / f"ektp-tests-{uid}"


def _database_exists(name: str) -> bool:
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, request, django_db_blocker
):
    if not _cloning(request.config):
        yield
        return
    template, lock = _template_paths(request.config)
    with django_db_blocker.unblock():
        _copy_template(template, lock)
    yield
    with django_db_blocker.unblock():
        _drop_copy(template, lock)


def _copy_template(template: str, lock: Path):
    settings_dict = connection.settings_dict
    mine = settings_dict["TEST"]["NAME"]
    quote = connection.ops.quote_name
    with _locked(lock.with_suffix(".lock")):
        if not _database_exists(template):
            real_name = settings_dict["NAME"]
            settings_dict["TEST"]["NAME"] = template
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            connection.close()
            settings_dict["NAME"], settings_dict["TEST"]["NAME"] = real_name, mine
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(mine)}")
            cursor.execute(f"CREATE DATABASE {quote(mine)} TEMPLATE {quote(template)}")
        users = lock.with_suffix(".users")
        users.write_text(str(int(users.read_text() if users.exists() else 0) + 1))


def _drop_copy(template: str, lock: Path):
    connection.close()
    quote = connection.ops.quote_name
    with _locked(lock.with_suffix(".lock")), connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            f"DROP DATABASE IF EXISTS {quote(connection.settings_dict['NAME'])} WITH (FORCE)"
        )
        users = lock.with_suffix(".users")
        left = int(users.read_text()) - 1
        users.write_text(str(left))
        if left == 0:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)}")
            users.unlink()
            lock.with_suffix(".lock").unlink()


@pytest.fixture(scope="session")
def django_db_keepdb(request):
    # A copied database is already there: pytest-django must neither create nor drop it.
    return _cloning(request.config) or request.config.getvalue("reuse_db")


_TEST_DATABASE = []  # not empty while the test database exists


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    _TEST_DATABASE.append(True)
    yield
    _TEST_DATABASE.clear()


def _flushes_database(item) -> bool:
    """A transactional test ends with a flush that empties every table, migrations' rows too."""
    if {"transactional_db", "live_server"} & set(item.fixturenames):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


def _write_migration_rows():
    """The rows the data migrations write, as the last of them leaves them: the three roles with
    their permissions (``distribution.roles.ensure_roles``'s result, in four statements instead
    of its sixty), and the one-row tables. Content types and permissions survive the suite's
    flush (tests/postgresql/base.py) or are made again by its post_migrate (SQLite)."""
    from auditlog.context import disable_auditlog
    from django.contrib.auth.models import Group, Permission

    from distribution import roles
    from distribution.models import PrintingPlan
    from receipts.models import HeadOffice, PublicDataVersion

    ids = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    grants = {
        roles.STAFF_GROUP: roles.STAFF_PERMISSIONS,
        roles.CLERK_GROUP: roles.CLERK_PERMISSIONS,
        roles.SUPERVISOR_GROUP: roles.SUPERVISOR_PERMISSIONS,
    }
    with disable_auditlog():  # the migrations ran without it
        for model in (PublicDataVersion, HeadOffice, PrintingPlan):
            model.objects.get_or_create(pk=1)
        if Group.objects.filter(name__in=grants).exists():
            return  # no flush happened (the test was skipped)
        groups = Group.objects.bulk_create([Group(name=name) for name in grants])
        Group.permissions.through.objects.bulk_create(
            Group.permissions.through(group_id=group.pk, permission_id=ids[code])
            for group in groups
            for code in grants[group.name]
            if code in ids
        )


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


def pytest_terminal_summary(terminalreporter):
    """Say how big the access matrix was (tests/hardening/test_access_matrix.py records it),
    so that CI shows it: under pytest-xdist a worker's own output never reaches the terminal,
    its reports' ``user_properties`` do."""
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":  # (teardown's report has them too)
                continue
            for name, size in report.user_properties:
                if name == "access_matrix":
                    terminalreporter.write_line(
                        f"access matrix: {size['cells']} cells ({size['routes']} routes × "
                        f"{size['personas']} personas × GET/POST)"
                    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put back what the migrations wrote after a transactional test's flush.

    Run in one process, pytest-django orders the transactional tests last, so no test runs
    after a flush; in several processes (pytest-xdist hands out whole files) a ``db`` test may,
    and would miss the roles.
    """
    result = yield
    # Before the first test that asks for a database, and after the last one (nextitem None),
    # there is no test database to write to.
    if nextitem is not None and _TEST_DATABASE and _flushes_database(item):
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
