"""On PostgreSQL the lookup's statements are prepared once per connection (disdukcapil/prepared.py):
the same answers as the plain statements, one EXECUTE per request, prepared again on a new
connection, and plain statements with DB_PREPARED_STATEMENTS off."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from receipts.models import Status

pytestmark = pytest.mark.postgres

STATUSES = [s.value for s in Status]


def pages(client, number):
    return (
        client.get("/cek/", {"nomor": number}).content,
        client.get(f"/api/v1/receipts/{number}/").content,
    )


def _prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("status", STATUSES)
def test_prepared_and_plain_statements_give_the_same_pages(
    anonymous, receipts_by_status, settings, status
):
    number = receipts_by_status[status].number
    settings.DB_PREPARED_STATEMENTS = False
    plain = pages(anonymous, number)
    settings.DB_PREPARED_STATEMENTS = True
    for _ in range(7):  # PostgreSQL switches to its generic plan after five executions
        cek, api = pages(anonymous, number)
        # The CSRF token differs per response; everything else is the same page.
        assert (
            cek.split(b'name="csrfmiddlewaretoken"')[0]
            == plain[0].split(b'name="csrfmiddlewaretoken"')[0]
        )
        assert cek.split(b"</form>", 1)[1] == plain[0].split(b"</form>", 1)[1]
        assert api == plain[1]


def test_a_lookup_is_one_execute_of_the_prepared_statement(anonymous, receipts_by_status):
    number = receipts_by_status[Status.READY].number
    anonymous.get("/cek/", {"nomor": number})
    assert "ektp_receipt_lookup" in _prepared_names()
    with CaptureQueriesContext(connection) as ctx:
        assert anonymous.get("/cek/", {"nomor": "BPN0000000000"}).status_code == 404
    assert [q["sql"].split("(")[0] for q in ctx.captured_queries] == ["EXECUTE ektp_receipt_lookup"]


def _plans():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE name LIKE 'ektp_receipt_lookup%%' ORDER BY name"
        )
        return {name: (generic, custom) for name, generic, custom in cursor.fetchall()}


@pytest.mark.parametrize("first", ["api", "cek"])
def test_the_page_and_the_api_each_keep_a_generic_plan(
    anonymous, receipts_by_status, settings, first
):
    # PostgreSQL plans a prepared statement anew on every EXECUTE while its custom plans look
    # cheaper than the generic one: so it did for the API when "no estimate" was a parameter
    # of the page's statement (0 generic plans of 400, a third more time per lookup).
    settings.LOOKUP_CACHE_SECONDS = 0
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection._ektp_prepared = (object(), frozenset())
    numbers = [receipts_by_status[status].number for status in STATUSES]
    urls = {
        "api": lambda number: f"/api/v1/receipts/{number}/",
        "cek": lambda number: f"/cek/?nomor={number}",
    }
    for kind in (first, "cek" if first == "api" else "api"):
        for _ in range(3):
            for number in numbers:
                assert anonymous.get(urls[kind](number)).status_code == 200
        for name, (generic, custom) in _plans().items():
            assert custom <= 5, (kind, name, generic, custom)
    assert set(_plans()) == {"ektp_receipt_lookup", "ektp_receipt_lookup_api"}


def test_a_new_connection_is_prepared_again(anonymous, receipts_by_status, settings):
    settings.LOOKUP_CACHE_SECONDS = 600
    caches["lookup"].clear()
    number = receipts_by_status[Status.DISPATCHED].number
    first = anonymous.get(f"/api/v1/receipts/{number}/").content
    assert anonymous.get(f"/api/v1/receipts/{number}/").content == first  # the stamp
    assert {"ektp_receipt_lookup_api", "ektp_receipt_stamp"} <= set(_prepared_names())
    # A reconnect (after an error, or CONN_MAX_AGE) starts a server session that has never
    # seen the PREPARE: the lookup must prepare again rather than EXECUTE a missing name.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection._ektp_prepared = (object(), frozenset())  # as after a reconnect
    caches["lookup"].clear()
    assert anonymous.get(f"/api/v1/receipts/{number}/").content == first
    assert anonymous.get(f"/api/v1/receipts/{number}/").content == first
    caches["lookup"].clear()


def test_off_sends_plain_statements(anonymous, receipts_by_status, settings):
    settings.DB_PREPARED_STATEMENTS = False
    number = receipts_by_status[Status.READY].number
    with CaptureQueriesContext(connection) as ctx:
        assert anonymous.get("/cek/", {"nomor": number}).status_code == 200
    assert [q["sql"].lstrip()[:6] for q in ctx.captured_queries] == ["SELECT"]
