"""The task workers in production: one unit per queue, as bin/run-all starts them, so that a
long import or export never holds up the notifications (issue 16)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"


def queues_of(unit: str) -> list[str]:
    text = (UNITS / unit).read_text()
    (command,) = re.findall(r"^ExecStart=.*db_worker.*$", text, re.MULTILINE)
    return re.search(r"--queue-name (\S+)", command).group(1).split(",")


def test_each_queue_has_a_worker_unit_of_its_own():
    assert queues_of("ektp-worker.service") == ["default"]
    assert queues_of("ektp-worker-long.service") == ["long"]
    assert sorted(settings.TASKS["default"]["QUEUES"]) == ["default", "long"]


def test_run_all_starts_the_same_two_workers():
    text = (ROOT / "bin" / "run-all").read_text()
    assert '"--queue-name", "default"' in text
    assert '"--queue-name", "long"' in text
    assert "default,long" not in text


def test_the_prune_timer_also_prunes_old_exports_and_fails_lost_tasks():
    text = (UNITS / "ektp-prune-tasks.service").read_text()
    assert "manage.py prune_db_task_results" in text
    assert "manage.py prune_export_jobs" in text
    assert "manage.py tasks_fail_stale" in text
