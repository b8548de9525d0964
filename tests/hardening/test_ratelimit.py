"""Rate limits: a family checking receipts never hits them; a scraper always does."""

import datetime as dt
import json
import logging
from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings

from tests.cache import redis_cache

LOOKUP = "/cek/?nomor=BPN-2017-000123"
API = "/api/v1/receipts/BPN2017000123/"
# The top of an hour, so that minute windows inside one hour window can be stepped through.
HOUR_START = dt.datetime(2026, 11, 28, 2, 0, 0, tzinfo=dt.UTC)


def _lookups(client, n, url=LOOKUP, **extra):
    return [client.get(url, **extra).status_code for _ in range(n)]


@pytest.fixture
def frozen():
    with time_machine.travel(HOUR_START, tick=False) as traveller:
        yield traveller


def test_family_checking_a_few_receipts_is_never_limited(db, client, limits_on):
    statuses = _lookups(client, 8)
    assert 429 not in statuses
    assert all(status < 500 for status in statuses)


def test_lookup_burst_limit_triggers_at_the_21st_request_in_a_minute(db, client, limits_on, frozen):
    statuses = _lookups(client, 20)
    assert 429 not in statuses
    refused = client.get(LOOKUP)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"


def test_lookup_burst_limit_resets_after_the_minute(db, client, limits_on, frozen):
    _lookups(client, 21)
    assert client.get(LOOKUP).status_code == 429
    frozen.shift(60)
    assert client.get(LOOKUP).status_code != 429


def test_lookup_hourly_limit_triggers_at_the_101st_request_and_resets(
    db, client, limits_on, frozen
):
    for _ in range(5):  # 5 minutes x 20 lookups, each minute under the burst limit
        assert 429 not in _lookups(client, 20)
        frozen.shift(60)
    refused = client.get(LOOKUP)
    assert refused.status_code == 429
    # Five minutes into the hour: the hourly window resets in 55 minutes.
    assert refused["Retry-After"] == str(55 * 60)
    assert "dalam 55 menit" in refused.content.decode()
    frozen.shift(55 * 60)
    assert client.get(LOOKUP).status_code != 429


def test_page_and_api_share_one_count(db, client, limits_on, frozen):
    _lookups(client, 10)
    _lookups(client, 10, url=API)
    assert client.get(API).status_code == 429
    assert client.get(LOOKUP).status_code == 429


def test_429_page_is_indonesian_says_when_to_retry_and_is_not_stored(db, client, limits_on, frozen):
    frozen.shift(15)  # 45 seconds left in this minute
    _lookups(client, 20)
    response = client.get(LOOKUP)
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert "Terlalu banyak permintaan" in body
    assert "Silakan coba lagi dalam 1 menit" in body
    assert '<html lang="id">' in body


def test_429_from_the_api_is_json_with_retry_after(db, client, limits_on, frozen):
    _lookups(client, 20, url=API)
    response = client.get(API)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"error": "rate_limited", "retry_after": 60}
    assert response["Retry-After"] == "60"


def test_other_pages_are_not_limited(db, client, limits_on):
    _lookups(client, 21)
    assert client.get(LOOKUP).status_code == 429
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/loket/masuk/").status_code == 200


def test_unlimited_paths_cost_no_cache_access(db, client, limits_on):
    with mock.patch("disdukcapil.ratelimit.cache") as fake_cache:
        client.get("/")
        client.get("/healthz")
        client.get("/loket/masuk/")
    assert fake_cache.mock_calls == []


def test_spoofed_forwarded_for_does_not_reset_the_count_without_a_trusted_proxy(
    db, client, limits_on, frozen
):
    statuses = [
        client.get(LOOKUP, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(21)
    ]
    assert statuses[:20].count(429) == 0
    assert statuses[20] == 429


def test_forwarded_for_is_honoured_behind_a_trusted_proxy(db, client, limits_on, frozen):
    limits_on.TRUSTED_PROXY_COUNT = 1
    # nginx appends the address it saw; every resident behind it gets their own count.
    for i in range(30):
        assert client.get(LOOKUP, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code != 429


def test_client_cannot_escape_a_trusted_proxy_by_prepending_addresses(
    db, client, limits_on, frozen
):
    limits_on.TRUSTED_PROXY_COUNT = 1
    statuses = [
        client.get(LOOKUP, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.9").status_code
        for i in range(21)
    ]
    assert statuses[20] == 429


def test_exempt_address_is_never_limited(db, client, limits_on, frozen):
    limits_on.RATELIMIT_EXEMPT_IPS = frozenset({"127.0.0.1"})
    assert 429 not in _lookups(client, 30)


def test_failed_counter_logins_are_limited_at_the_11th_in_a_minute(
    db, client, clerk_selatan, limits_on, frozen
):
    for _ in range(10):
        response = client.post("/loket/masuk/", {"username": "loket.selatan", "password": "salah"})
        assert response.status_code == 200  # the form again, with an error
    refused = client.post("/loket/masuk/", {"username": "loket.selatan", "password": "salah"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    # Even the right password waits: the attacker may have guessed it.
    right = client.post("/loket/masuk/", {"username": "loket.selatan", "password": "sandi-uji-123"})
    assert right.status_code == 429


def test_failed_logins_are_limited_at_30_an_hour(db, client, clerk_selatan, limits_on, frozen):
    for _ in range(3):
        for _ in range(10):
            client.post("/loket/masuk/", {"username": "loket.selatan", "password": "salah"})
        frozen.shift(60)
    refused = client.post("/loket/masuk/", {"username": "loket.selatan", "password": "salah"})
    assert refused.status_code == 429


def test_successful_logins_are_not_counted(db, client, clerk_selatan, limits_on, frozen):
    for _ in range(15):
        response = client.post(
            "/loket/masuk/", {"username": "loket.selatan", "password": "sandi-uji-123"}
        )
        assert response.status_code == 302
        client.logout()


def test_admin_login_is_limited_too(db, client, staff, limits_on, frozen):
    for _ in range(10):
        client.post("/admin/login/", {"username": "staf", "password": "salah"})
    assert client.post("/admin/login/", {"username": "staf", "password": "salah"}).status_code == (
        429
    )


def test_login_page_itself_is_not_limited(db, client, limits_on, frozen):
    for _ in range(15):
        client.post("/loket/masuk/", {"username": "x", "password": "salah"})
    assert client.get("/loket/masuk/").status_code == 200


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "disdukcapil.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
        }
    }
)
def test_lookups_keep_working_when_redis_is_down_and_it_is_logged(db, client, limits_on, caplog):
    with caplog.at_level(logging.WARNING, logger="disdukcapil.ratelimit"):
        statuses = _lookups(client, 25)
    assert all(status < 500 and status != 429 for status in statuses)
    assert "rate limit cache unreachable" in caplog.text


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "disdukcapil.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
)
def test_logins_keep_working_when_redis_is_down(db, client, clerk_selatan, limits_on):
    response = client.post(
        "/loket/masuk/", {"username": "loket.selatan", "password": "sandi-uji-123"}
    )
    assert response.status_code == 302


@pytest.mark.redis
@override_settings(
    CACHES={"default": redis_cache(django_settings.TEST_REDIS_URL, "ektp-hardening-test")}
)
def test_counts_live_in_redis_shared_by_every_worker(db, client, limits_on, frozen):
    cache.clear()
    _lookups(client, 20)
    # What another gunicorn worker would see: the same key, counted in Redis.
    window = int(HOUR_START.timestamp() // 60)
    assert cache.get(f"rl:lookup:60:{window}:127.0.0.1") == 20
    assert client.get(LOOKUP).status_code == 429
    frozen.shift(60)
    assert client.get(LOOKUP).status_code != 429
    cache.clear()
