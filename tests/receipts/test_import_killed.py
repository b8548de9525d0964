"""A killed ``import_receipts`` leaves no lock behind (issue 16, finding 13). PostgreSQL, real
processes.

The command runs in a subprocess with its default two validation workers and reads its file
from a FIFO that this test feeds: six chunks of rows, then nothing more. It is then at a
known point for as long as needed, without a big file or a race against the clock: the
workers are forked and have validated, a part of the rows is COPYed, the transaction holds
the import's advisory lock, and the parent waits for more of the file. There it is killed
(SIGKILL, then in another test SIGTERM). Before the fix the forked workers lived on with
parent 1 holding a copy of the database socket: the session stayed "idle in transaction"
with the lock and every later import waited for ever.
"""

import datetime
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from demo.identities import make_nik
from receipts.importing import CHUNK_ROWS
from receipts.models import Receipt, Resident
from tests.import_rows import HEADER, budi, csv_text, siti

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 15  # seconds for anything below to happen; it takes well under one
APP_NAME = "import-killed-test"


def _env(tmp_path) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        # libpq names the command's sessions, so that pg_stat_activity tells them apart.
        PGAPPNAME=f"{APP_NAME}-{tmp_path.name}",
    )
    return env


def _rows(count: int):
    # Distinct residents and receipt numbers; valid rows, so that the workers really validate.
    for n in range(count):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 9000)
        nik = make_nik(district_code="64.71.05", birth_date=birth, sex="P", serial=n % 9000 + 1)
        row = siti(nik=nik, nomor_resi=f"BPN-{n:09d}")
        yield ",".join(row[name] for name in HEADER.split(",")) + "\n"


def _state(pid: int) -> str | None:
    """The process's state letter (R, S, Z ...), None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _alive(pid: int) -> bool:
    return _state(pid) not in (None, "Z", "X")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _database_sockets(pid: int) -> set[str]:
    """The TCP sockets to the database server's port among the process's open files."""
    port = f":{int(connection.settings_dict['PORT'] or 5432):04X}"
    to_database = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if fields[2].endswith(port):
                    to_database.add(f"socket:[{fields[9]}]")
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            held.add(os.readlink(fd))
        except FileNotFoundError:
            continue
    return held & to_database


def _until(condition, what: str):
    deadline = time.monotonic() + WAIT
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT} s: {what}")
        time.sleep(0.05)
    return value


def _query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _import_locks() -> list[tuple]:
    """Holders of the import's advisory lock (pg_advisory_xact_lock(hashtext(staging)))."""
    return _query(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND ((classid::bigint << 32) | objid::bigint) = hashtext('receipts_import_staging')"
    )


def _sessions(env) -> list[tuple]:
    return _query(
        "SELECT pid, state FROM pg_stat_activity WHERE application_name = %s",
        [env["PGAPPNAME"]],
    )


@pytest.fixture
def stuck_import(tmp_path, places):
    """The command, stopped mid-validation at a known point; everything it started is
    killed afterwards, whatever the test found."""
    env = _env(tmp_path)
    fifo = tmp_path / "resi.csv"
    os.mkfifo(fifo)
    log = (tmp_path / "import.log").open("w+")
    command = [sys.executable, "manage.py", "import_receipts", str(fifo), "--workers", "2"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    seen: set[int] = set()
    writer = None
    try:
        # Open the FIFO once the command has opened it for reading (ENXIO until then).
        def opened():
            assert proc.poll() is None, log.seek(0) or log.read()
            try:
                return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                return None

        writer = _until(opened, "the command opens its file")
        os.set_blocking(writer, True)
        # Six chunks: the workers start after two, the COPY after four in flight.
        data = memoryview((HEADER + "\n" + "".join(_rows(6 * CHUNK_ROWS))).encode())
        while data:
            data = data[os.write(writer, data) :]

        def ready():
            assert proc.poll() is None, log.seek(0) or log.read()
            children = _children(proc.pid)
            seen.update(children)
            return len(children) >= 2 and _import_locks()

        _until(ready, "two validation workers and the import lock")
        yield proc, env, sorted(seen), log
    finally:
        if writer is not None:
            os.close(writer)
        for pid in [proc.pid, *seen]:
            if _alive(pid):  # only the processes this fixture started
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=WAIT)
        log.close()


def _assert_nothing_left(proc, env, workers):
    _until(lambda: not any(_alive(pid) for pid in workers), f"workers {workers} gone")
    _until(lambda: not _import_locks(), "the import's advisory lock released")
    _until(lambda: not _sessions(env), "the import's database sessions ended")
    assert (Resident.objects.count(), Receipt.objects.count()) == (0, 0)  # rolled back


def _second_import_completes(tmp_path):
    path = tmp_path / "second.csv"
    path.write_text(csv_text(siti(), budi()), encoding="utf-8")
    out = io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '20s'")  # a refusal, not a hang, if the lock is held
    try:
        call_command("import_receipts", str(path), "--workers", "1", stdout=out)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert "2 resi baru" in out.getvalue()
    assert Receipt.objects.count() == 2


def test_import_killed_with_sigkill_leaves_no_worker_lock_or_session(stuck_import, tmp_path):
    proc, env, workers, _log = stuck_import
    assert len(workers) == 2
    assert _sessions(env)
    assert _database_sockets(proc.pid)  # the parent's connection, mid-transaction
    for worker in workers:
        assert not _database_sockets(worker)  # no worker holds a copy of it

    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=WAIT) == -signal.SIGKILL

    _assert_nothing_left(proc, env, workers)
    _second_import_completes(tmp_path)


def test_import_stopped_with_sigterm_rolls_back_and_says_so(stuck_import, tmp_path):
    proc, env, workers, log = stuck_import

    os.kill(proc.pid, signal.SIGTERM)
    returncode = proc.wait(timeout=WAIT)

    _assert_nothing_left(proc, env, workers)
    # Not the default "terminated by signal": the command unwound, rolled back, and said so.
    assert returncode == 128 + signal.SIGTERM
    log.seek(0)
    assert "Impor dihentikan (SIGTERM)" in log.read()
    _second_import_completes(tmp_path)
