"""The real worker (`manage.py db_worker`, two processes) drains the outbox on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django_tasks_db.models import DBTaskResult

from notifications.models import Message, MessageState
from receipts.models import Resident, Status
from receipts.services import receipts_transition_bulk
from tests.factories import ReceiptFactory
from tests.notifications.fakes import FakeProvider

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "long"]}
}


def _worker_env(provider) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        TASKS_BACKEND="database",
        SMS_BACKEND="http",
        SMS_API_URL=provider.url + "/sms",
        WHATSAPP_BACKEND="cloud",
        WHATSAPP_API_URL=provider.url,
        WHATSAPP_PHONE_NUMBER_ID="1055",
        NOTIFY_QUIET_START_HOUR="0",  # no quiet hours for the worker: it runs on the real clock
        NOTIFY_QUIET_END_HOUR="0",
    )
    return env


@time_machine.travel("2026-12-02 10:00:00+08:00", tick=True)
def test_two_worker_processes_send_every_ready_message_exactly_once(settings, staff, selatan):
    settings.TASKS = DB_BACKEND
    receipts = [
        ReceiptFactory(resident__kelurahan__kecamatan=selatan, status=Status.DISPATCHED)
        for _ in range(40)
    ]
    Resident.objects.filter(pk__in=[r.resident_id for r in receipts]).update(phone="081234567890")
    receipts_transition_bulk(
        receipt_ids=[r.pk for r in receipts],
        from_status=Status.DISPATCHED,
        to=Status.READY,
        actor=staff,
    )
    # Committed: 40 messages and the drains queued in the database for the workers.
    assert Message.objects.filter(state=MessageState.PENDING).count() == 40
    assert DBTaskResult.objects.ready().count() == settings.NOTIFY_PARALLEL_DRAINS
    with FakeProvider(delay=0.02) as provider:
        command = [
            sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
            "--queue-name", "*", "--interval", "0.2",
        ]  # fmt: skip
        workers = [
            subprocess.Popen(command, cwd=ROOT, env=_worker_env(provider))  # noqa: S603
            for _ in range(2)
        ]
        for worker in workers:
            assert worker.wait(timeout=60) == 0
        assert Message.objects.filter(state=MessageState.SENT).count() == 40
        assert len(provider.accepted) == 40
        assert provider.duplicates() == 0
        assert len(provider.requests) == 40  # no row was claimed by both workers
    assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0
