"""A gunicorn worker that dies is replaced by the arbiter; the others keep serving."""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.ports import free_port

GUNICORN = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
# A free port, not a fixed one: other test processes run beside this one.
PORT = int(os.environ.get("HARDENING_GUNICORN_PORT") or free_port())
URL = f"http://127.0.0.1:{PORT}/healthz"

pytestmark = [
    pytest.mark.slow,  # starts gunicorn
    pytest.mark.skipif(not os.access(GUNICORN, os.X_OK), reason="gunicorn not installed"),
]


def _get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
        return response.status


def _workers(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def _wait(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


@pytest.fixture
def gunicorn(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}},
        "DJANGO_SETTINGS_MODULE": "disdukcapil.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "WEB_CONCURRENCY": "2",
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(  # noqa: S603
        [
            GUNICORN,
            "--config",
            "disdukcapil/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{PORT}",
            "disdukcapil.wsgi",
        ],
        cwd=str(settings.BASE_DIR),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not _wait(lambda: _get(URL) == 200 and len(_workers(process.pid)) == 2):
            pytest.skip(f"gunicorn did not come up on port {PORT}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_killed_worker_is_replaced_and_requests_keep_succeeding(gunicorn):
    before = _workers(gunicorn.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    statuses = [_get(URL) for _ in range(20)]
    assert statuses == [200] * 20
    assert _wait(lambda: len(_workers(gunicorn.pid)) == 2 and victim not in _workers(gunicorn.pid))
    assert gunicorn.poll() is None  # the arbiter itself is still running
