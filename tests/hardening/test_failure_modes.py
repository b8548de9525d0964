"""A database outage gives a friendly 503, never a traceback."""

import json
import logging
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client


@pytest.fixture
def outage_client():
    # Django's test client re-raises exceptions that reach its handler; a user would not.
    return Client(raise_request_exception=False)


pytestmark = pytest.mark.urls("tests.hardening.urls")


def test_database_outage_in_a_view_gives_a_friendly_503(db, outage_client, caplog):
    with caplog.at_level(logging.ERROR, logger="disdukcapil.security"):
        response = outage_client.get("/rusak/db/")
    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert '<html lang="id">' in response.content.decode()  # the page, not the fallback text
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"]
    assert "database unavailable" in caplog.text


def test_database_outage_on_the_api_is_a_json_503(db, outage_client):
    response = outage_client.get("/api/rusak/db/")
    assert response.status_code == 503
    assert json.loads(response.content) == {"error": "unavailable"}


def test_database_outage_outside_the_view_gives_a_503_too(db, outage_client):
    # The session is saved after the view, by middleware: the 500 it becomes is replaced.
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        response = outage_client.get("/rusak/sesi/")
    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia" in response.content.decode()


def test_other_errors_stay_500(db, outage_client):
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save", side_effect=RuntimeError("bug")
    ):
        response = outage_client.get("/rusak/sesi/")
    assert response.status_code == 500
