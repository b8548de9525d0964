"""A frozen Redis costs nothing after the first failures (issue 16, finding 15).

A real redis-server of its own on a free port (never the shared 6379), frozen with
SIGSTOP: it accepts connections (the kernel completes the handshake) but never answers,
which without socket timeouts took ~10 s per lookup. With 50 ms timeouts and the circuit
breaker, the first three lookups wait one timeout each and the rest none.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings

from disdukcapil import ratelimit
from tests.ports import free_port


@pytest.fixture
def frozen_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",  # noqa: S607
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        os.kill(process.pid, signal.SIGSTOP)
        yield port
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_lookups_stay_fast_while_redis_is_frozen(db, client, limits_on, frozen_redis):
    caches = {
        "default": {
            "BACKEND": "disdukcapil.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{frozen_redis}/0",
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,  # what production uses
        }
    }
    calls = []
    real = ratelimit._incr_all

    def counting(*args):
        calls.append(1)
        return real(*args)

    with override_settings(CACHES=caches), mock.patch.object(ratelimit, "_incr_all", counting):
        timings = []
        for _ in range(30):
            started = time.monotonic()
            response = client.get("/cek/?nomor=BPN-2017-000123")
            timings.append(time.monotonic() - started)
            assert response.status_code == 404  # served (unknown number), not limited or 500
    # Three requests pay a timeout (the breaker's threshold); the others never touch Redis
    # (within the 5 s cooldown). Without timeouts the first lookup never returned.
    assert len(calls) == 3
    assert all(t >= 0.05 for t in timings[:3]), timings
    assert sum(timings) < 5.0, timings
