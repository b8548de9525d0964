"""The replica router (disdukcapil/db_router.py) against a REAL streaming replica.

These tests need REPLICA_DATABASE_URL pointing at a streaming replica of the DATABASE_URL
cluster (PostgreSQL physical replication: the test database created on the primary appears on
the replica). `.ci/run` makes such a pair for them (deploy/ci-replica); without one they are
skipped with that reason, and `deploy/prove` shows the same behaviour on the full topology.

Lag is real, not mocked: replay on the replica is paused (pg_wal_replay_pause) while the
primary commits, so the replica really holds the old status.
"""

import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connections
from django.test.utils import CaptureQueriesContext

from disdukcapil import db_router
from receipts.models import Receipt, Status
from receipts.services import receipt_transition
from tests.factories import UserFactory, ready_card

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "replica" not in django_settings.DATABASES,
        reason="needs a real streaming replica: set REPLICA_DATABASE_URL (.ci/run makes one "
        "with deploy/ci-replica; deploy/prove runs the same checks on the whole topology)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def _replica_sql(sql):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _wait_until_replayed(timeout=15.0):
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        (done,) = _replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if done:
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not replay up to {target} in {timeout} s")


@pytest.fixture
def replica(settings):
    """Point the `replica` alias (a mirror of the test database) at the real replica."""
    conf = django_settings.DATABASES["replica"]
    conn = connections["replica"]
    saved = conn.settings_dict
    conn.close()
    real = {
        **connections["default"].settings_dict,
        "HOST": conf["HOST"],
        "PORT": conf["PORT"],
        "USER": conf["USER"],
        "PASSWORD": conf["PASSWORD"],
        "OPTIONS": {"connect_timeout": 2},
    }
    conn.settings_dict = real
    (in_recovery,) = _replica_sql("SELECT pg_is_in_recovery()")
    assert in_recovery, "REPLICA_DATABASE_URL is not a standby: these tests would prove nothing"
    settings.REPLICA_CHECK_SECONDS = 0  # measure on every request: the tests change the lag
    settings.REPLICA_MAX_LAG_SECONDS = 5
    db_router.health.reset()
    yield conn
    conn.close()
    conn.settings_dict = real  # a test may have pointed it at a dead port
    try:
        _replica_sql("SELECT pg_wal_replay_resume()")
    finally:
        conn.close()
        conn.settings_dict = saved
        db_router.health.reset()


@pytest.fixture
def staff():
    """A logged-in member of staff (groups come from a migration a flush removes: none needed)."""
    return UserFactory(username="staf", is_staff=True)


def _status(client, number, **extra):
    response = client.get(f"/api/v1/receipts/{number}/", **extra)
    assert response.status_code == 200
    return response.json()["status"]


def _lag_behind(replica, number, staff, bound):
    """Pause replay, put the receipt on hold on the primary, and let the lag exceed `bound`."""
    _replica_sql("SELECT pg_wal_replay_pause()")
    receipt = Receipt.objects.get(number=number)
    receipt_transition(receipt=receipt, to=Status.ON_HOLD, actor=staff, note="data dicek")
    time.sleep(bound + 0.3)


def test_public_lookup_reads_the_replica_not_the_primary(client, replica, sepinggan):
    card = ready_card(kelurahan=sepinggan)
    _wait_until_replayed()
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(replica) as on_replica,
    ):
        assert _status(client, card.receipt.number) == Status.READY
        assert client.get("/cek/", {"nomor": card.receipt.number}).status_code == 200
        assert client.get("/statistik/").status_code == 200
    assert len(on_primary) == 0, [q["sql"] for q in on_primary]
    assert len(on_replica) > 3


def test_staff_read_their_own_write_from_the_primary(client, replica, sepinggan, staff):
    card = ready_card(kelurahan=sepinggan)
    _wait_until_replayed()
    client.force_login(staff)
    _lag_behind(replica, card.receipt.number, staff, bound=0)
    with CaptureQueriesContext(replica) as on_replica:
        assert _status(client, card.receipt.number) == Status.ON_HOLD
    assert len(on_replica) == 0


def test_a_replica_within_the_bound_answers_and_the_change_shows_once_replayed(
    client, replica, sepinggan, staff, settings
):
    """Within REPLICA_MAX_LAG_SECONDS the replica's (older) answer is served, and the lookup
    cache does not keep serving it once the replica has the change: the stamp is read from
    the same database as the body."""
    settings.LOOKUP_CACHE_SECONDS = 600
    caches["lookup"].clear()
    settings.REPLICA_MAX_LAG_SECONDS = 60
    card = ready_card(kelurahan=sepinggan)
    number = card.receipt.number
    _wait_until_replayed()
    assert _status(client, number) == Status.READY  # rendered and kept, from the replica
    _lag_behind(replica, number, staff, bound=0)
    assert _status(client, number) == Status.READY  # the replica, 0.3 s behind: allowed
    _replica_sql("SELECT pg_wal_replay_resume()")
    _wait_until_replayed()
    assert _status(client, number) == Status.ON_HOLD


def test_a_replica_lagging_over_the_bound_is_left_for_the_primary(
    client, replica, sepinggan, staff, settings
):
    settings.LOOKUP_CACHE_SECONDS = 600
    caches["lookup"].clear()
    settings.REPLICA_MAX_LAG_SECONDS = 1
    card = ready_card(kelurahan=sepinggan)
    number = card.receipt.number
    _wait_until_replayed()
    assert _status(client, number) == Status.READY
    _lag_behind(replica, number, staff, bound=1)
    # The public sees the new status at once, although the replica still holds the old one.
    assert _status(client, number) == Status.ON_HOLD
    assert _replica_sql(
        f"SELECT status FROM receipts_receipt WHERE number = '{number}'"  # noqa: S608
    ) == (Status.READY,)
    ready = client.get("/readyz").json()
    assert ready["replica"]["state"] == "lagging"
    assert ready["replica"]["lag_seconds"] > 1


def test_a_replica_that_is_down_costs_no_error(client, replica, sepinggan):
    card = ready_card(kelurahan=sepinggan)
    replica.close()
    replica.settings_dict = {**replica.settings_dict, "HOST": "127.0.0.1", "PORT": "1"}
    assert _status(client, card.receipt.number) == Status.READY
    assert client.get("/cek/", {"nomor": card.receipt.number}).status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 200  # the primary serves everything meanwhile
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "replica": {"state": "down", "lag_seconds": None},
    }


def test_a_replica_failing_in_the_middle_of_a_request_is_answered_by_the_primary(
    client, replica, sepinggan, settings
):
    card = ready_card(kelurahan=sepinggan)
    _wait_until_replayed()
    assert db_router.health.measure().usable
    settings.REPLICA_CHECK_SECONDS = 3600  # no new check: the router still believes it is up
    replica.close()
    replica.settings_dict = {**replica.settings_dict, "HOST": "127.0.0.1", "PORT": "1"}
    assert _status(client, card.receipt.number) == Status.READY
    assert db_router.health.current().state == "down"


def test_writes_and_reads_outside_a_public_view_use_the_primary(replica, sepinggan, staff):
    router = db_router.PrimaryReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"  # the task worker, commands, the admin
    assert router.allow_migrate("replica", "receipts") is False
