"""End to end on PostgreSQL: a corrected pickup day is told by a real `manage.py db_worker`
process, after the staff's commit (the request only enqueues the job)."""

import datetime
import subprocess
import sys

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from distribution.services import PickupEntry, pickup_schedule_publish, pickup_schedule_update
from notifications.models import Message, MessageState
from receipts.models import Resident, Status
from tests.factories import ReceiptFactory
from tests.notifications.fakes import FakeProvider
from tests.notifications.test_worker_process import DB_BACKEND, ROOT, _worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@time_machine.travel("2026-12-02 10:00:00+08:00", tick=True)
def test_a_worker_process_tells_the_residents_who_were_told_the_new_day(
    settings, staff, selatan, sepinggan
):
    settings.TASKS = DB_BACKEND
    told = [ReceiptFactory(resident__kelurahan=sepinggan, status=Status.READY) for _ in range(3)]
    not_told = ReceiptFactory(resident__kelurahan=sepinggan, status=Status.READY)
    Resident.objects.filter(kelurahan=sepinggan).update(phone="081234567890")
    entry = PickupEntry(
        kelurahan=sepinggan,
        date=datetime.date(2026, 12, 7),
        start_time=datetime.time(8),
        end_time=datetime.time(12),
        place="Aula Kecamatan",
    )
    [schedule] = pickup_schedule_publish(kecamatan=selatan, entries=[entry], actor=staff)
    # What the worker sent about that day (the not-told card's message failed for good).
    Message.objects.all().delete()
    DBTaskResult.objects.all().delete()
    for receipt in told + [not_told]:
        Message.objects.create(
            receipt=receipt,
            occasion="pickup_day",
            channel="whatsapp",
            state=MessageState.SENT if receipt in told else MessageState.FAILED,
            schedule_id=schedule.pk,
        )
    pickup_schedule_update(
        schedule=schedule,
        actor=staff,
        date=datetime.date(2026, 12, 9),
        start_time=datetime.time(9),
        end_time=datetime.time(13),
        place="Aula Baru",
    )
    # Committed: nothing written for the residents yet, one job queued for the worker.
    assert not Message.objects.filter(occasion="pickup_changed").exists()
    assert DBTaskResult.objects.ready().count() == 1
    with FakeProvider() as provider:
        env = _worker_env(provider) | {"NOTIFY_PICKUP_CHANGE_HOLD_SECONDS": "0"}
        command = [
            sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
            "--queue-name", "*", "--interval", "0.2",
        ]  # fmt: skip
        worker = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
        assert worker.wait(timeout=60) == 0
        changed = Message.objects.filter(occasion="pickup_changed")
        assert sorted(changed.values_list("receipt_id", "state")) == sorted(
            (r.pk, MessageState.SENT) for r in told
        )
        bodies = [str(request) for request in provider.requests]
        assert len(bodies) == 3 and all("9 Desember 2026 09.00-13.00" in b for b in bodies)
    assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0
