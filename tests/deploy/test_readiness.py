"""/readyz: ready when the primary answers; the replica's state is reported, not required."""

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError

# With REPLICA_DATABASE_URL set, /readyz also asks the replica (test_replica_router.py).
DATABASES = ["default", "replica"] if "replica" in settings.DATABASES else ["default"]


@pytest.mark.skipif("replica" in settings.DATABASES, reason="a replica is configured")
@pytest.mark.django_db
def test_ready_without_a_replica_configured(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "replica": {"state": "absent", "lag_seconds": None},
    }


@pytest.mark.django_db(databases=DATABASES)
def test_not_ready_when_the_primary_does_not_answer(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_healthz_stays_a_plain_liveness_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.skipif("replica" in settings.DATABASES, reason="a replica is configured")
def test_replica_settings_that_break_the_lag_bound_are_refused(settings):
    from disdukcapil.checks import check_replica_bounds

    settings.REPLICA_MAX_LAG_SECONDS, settings.REPLICA_CHECK_SECONDS = 0, 1
    assert check_replica_bounds(None) == []  # no replica configured: nothing to bound
    with mock.patch.dict(settings.DATABASES, {"replica": settings.DATABASES["default"]}):
        assert [e.id for e in check_replica_bounds(None)] == [
            "disdukcapil.E003",
            "disdukcapil.E004",
        ]
        settings.REPLICA_MAX_LAG_SECONDS, settings.REPLICA_CHECK_SECONDS = 5, 10
        assert [e.id for e in check_replica_bounds(None)] == ["disdukcapil.E004"]
        settings.REPLICA_MAX_LAG_SECONDS, settings.REPLICA_CHECK_SECONDS = 5, 1
        assert check_replica_bounds(None) == []
