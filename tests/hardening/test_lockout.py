"""Login throttling, round two (issue 16, findings 4, 10 and 16).

- Per account (django-axes, in the database): guesses spread over many addresses still lock
  the account, and the lock holds while Redis is down.
- Per address, atomic: a parallel burst from one address gets exactly the limit of checks.
- IPv6 clients are counted per /64.
"""

import threading

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client, override_settings

from disdukcapil.ratelimit import limit_key

RIGHT = "sandi-uji-123"
REDIS_DOWN = {
    "default": {
        "BACKEND": "disdukcapil.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
    }
}


def login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/loket/masuk/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_guesses_from_many_addresses_lock_the_account(client, clerk_selatan, clerk_kota, limits_on):
    # 5 addresses × 4 failures: each address stays far below its own limit (10 a minute).
    # The 20th failure locks the account and is answered with the lockout already.
    statuses = [
        login(client, "loket.selatan", "salah", f"10.0.{n // 4}.1").status_code for n in range(20)
    ]
    assert statuses == [200] * 19 + [429]
    refused = login(client, "loket.selatan", RIGHT, "10.9.9.9")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "_auth_user_id" not in client.session
    # Only that account: another clerk logs in from the same addresses.
    assert login(Client(), "loket.kota", RIGHT, "10.0.0.1").status_code == 302


def test_admin_login_locks_the_same_account(client, staff, limits_on):
    for n in range(20):
        client.post(
            "/admin/login/", {"username": "staf", "password": "salah"}, REMOTE_ADDR=f"10.1.{n}.1"
        )
    response = client.post(
        "/admin/login/", {"username": "staf", "password": RIGHT}, REMOTE_ADDR="10.2.0.1"
    )
    assert response.status_code == 429


def test_a_success_before_the_limit_resets_the_account_count(client, clerk_selatan, limits_on):
    for n in range(19):
        login(client, "loket.selatan", "salah", f"10.0.{n}.1")
    assert login(client, "loket.selatan", RIGHT, "10.3.0.1").status_code == 302
    client.logout()
    for n in range(19):
        assert login(client, "loket.selatan", "salah", f"10.4.{n}.1").status_code == 200
    assert login(client, "loket.selatan", RIGHT, "10.3.0.1").status_code == 302


@override_settings(CACHES=REDIS_DOWN)
def test_account_lockout_holds_while_redis_is_down(client, clerk_selatan, limits_on):
    # The per-address limit fails open without Redis; the per-account one does not.
    statuses = [login(client, "loket.selatan", "salah").status_code for _ in range(25)]
    assert statuses[:19] == [200] * 19
    assert set(statuses[19:]) == {429}
    assert login(client, "loket.selatan", RIGHT).status_code == 429
    attempts = AccessAttempt.objects.filter(username="loket.selatan")
    assert sum(a.failures_since_start for a in attempts) >= 20


def test_ipv6_clients_are_counted_per_64(client, clerk_selatan, limits_on):
    assert (
        limit_key("2001:db8:1:2:aaaa::1")
        == limit_key("2001:db8:1:2:ffff::9")
        == ("2001:db8:1:2::/64")
    )
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("::ffff:10.0.0.7") == "10.0.0.7"
    assert limit_key("10.0.0.7") == "10.0.0.7"
    statuses = [
        login(client, f"nobody{n}", "salah", f"2001:db8:1:2:{n:x}::1").status_code
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_burst_from_one_address_gets_exactly_the_limit(clerk_selatan, limits_on):
    """40 failed logins at once from one address, limit 10 a minute: 10 checked, 30 refused."""
    results, start = [], threading.Barrier(40)

    def attempt(n):
        try:
            start.wait()
            response = login(Client(), f"tamu{n}", "salah", "10.7.7.7")
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] * 10 + [429] * 30
