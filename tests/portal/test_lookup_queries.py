"""Every status's lookup is one statement, for /cek/ and the API, with the cache off or on,
hit or miss (portal.selectors.receipt_lookup; the statement reads the stamp a kept body is
checked against together with the page's data). Only a kept body gone stale costs a second.
"""

import pytest
from django.core.cache import caches

from receipts import public_version
from receipts.models import Status

STATUSES = [s.value for s in Status]


def cek(client, number):
    return client.get("/cek/", {"nomor": number})


def api(client, number):
    return client.get(f"/api/v1/receipts/{number}/")


PAGES = {"cek": cek, "api": api}


@pytest.fixture
def cache_on(settings):
    settings.LOOKUP_CACHE_SECONDS = 600
    caches["lookup"].clear()
    yield
    caches["lookup"].clear()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("status", STATUSES)
def test_without_the_cache_every_lookup_is_one_statement(
    anonymous, receipts_by_status, django_assert_num_queries, status, page
):
    number = receipts_by_status[status].number
    for _ in range(2):
        with django_assert_num_queries(1):
            assert PAGES[page](anonymous, number).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("status", STATUSES)
def test_with_the_cache_a_miss_a_hit_and_a_stale_body(
    anonymous, receipts_by_status, django_assert_num_queries, cache_on, status, page
):
    number = receipts_by_status[status].number
    with django_assert_num_queries(1):  # cold: nothing kept, no stamp query first
        first = PAGES[page](anonymous, number)
    with django_assert_num_queries(1):  # the stamp, and the kept body
        second = PAGES[page](anonymous, number)
    assert first.status_code == second.status_code == 200
    public_version.bump()
    with django_assert_num_queries(2):  # the stamp says stale: read again, one statement
        assert PAGES[page](anonymous, number).status_code == 200
    with django_assert_num_queries(1):
        assert PAGES[page](anonymous, number).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_number_is_one_statement_too(anonymous, db, django_assert_num_queries, page):
    with django_assert_num_queries(1):
        assert PAGES[page](anonymous, "BPN0000000000").status_code == 404


def test_the_waiting_receipts_page_shows_its_exact_place(anonymous, receipts_by_status, sepinggan):
    """The position comes from the day counts, not a COUNT; it is the one the COUNT gives."""
    import datetime

    from django.utils import timezone

    from receipts.queue_days import queue_position_by_count
    from tests.factories import waiting_receipts

    waiting_receipts(  # two days before it, and one the same day an hour earlier
        kelurahan=sepinggan,
        count=3,
        first_recorded_at=timezone.make_aware(datetime.datetime(2017, 6, 29, 8, 30)),
        step=datetime.timedelta(days=1),
    )
    waiting = receipts_by_status[Status.RECORDED]
    assert queue_position_by_count(receipt=waiting) == 4
    page = cek(anonymous, waiting.number).content.decode()
    assert "urutan ke-<strong>4</strong>" in page
