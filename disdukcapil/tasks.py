"""The project's task layer over Django's Tasks API (django-tasks, database backend).

Every background job is a ``@task`` function in its app's ``tasks.py``, enqueued with
``enqueue_on_commit`` so it only exists once the data it works on is committed. Queues:

- ``default``: short jobs (sending notifications, the periodic tick); many workers.
- ``long``: jobs of minutes (the admin import, big staff exports): run by a
  worker of their own (``db_worker --queue-name long``) so a long import never delays the
  "card ready" messages behind it.

Jobs take ids, never model instances (arguments are stored as JSON), and are written to be
run twice safely: django-tasks-db does not retry and does not recover a task whose worker
died (it stays RUNNING: RealOrangeOne/django-tasks-db issue 5, open), so each job keeps its
own progress in its own rows (the notifications outbox does: notifications/delivery.py) and
the periodic tick re-enqueues what is left. ``tasks_fail_stale`` (``manage.py
tasks_fail_stale``, on the daily prune timer) marks the RUNNING rows of dead workers FAILED,
so the queue's admin and metrics tell the truth: a task with a job row of its own (the
import, a big export) by that job's heartbeat (``alive_check``), any other task once it has
been running TASKS_STALE_MINUTES.
"""

import datetime
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

QUEUE_DEFAULT = "default"
QUEUE_LONG = "long"
QUEUES = [QUEUE_DEFAULT, QUEUE_LONG]


def job_finish_failed(jobs, pieces, *, done: str, failed: str, message: str) -> None:
    """Mark a background job (``jobs``: a queryset of its one row) failed with ``message``, unless
    it already finished, and delete the stored pieces of its file (``pieces``). The import and
    the export jobs share it. A connection broken by the failure itself (the database restarted)
    is opened anew once."""

    def write():
        with transaction.atomic():
            jobs.exclude(status=done).update(
                status=failed, error=message, finished_at=timezone.now()
            )
            pieces.delete()

    try:
        write()
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        connection.close()
        write()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task`` when the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def has_waiting(task) -> bool:
    """True if ``task`` is already waiting in the database queue (not yet started).

    Lets a caller skip enqueuing a job that would only repeat one already queued. Always
    False on backends without a queue table (the immediate backend of the tests).
    """
    from django.conf import settings

    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return False
    from django_tasks_db.models import DBTaskResult

    name = f"{task.func.__module__}.{task.func.__qualname__}"
    return DBTaskResult.objects.ready().filter(task_path=name).exists()


# task path -> fn(*args, **kwargs) -> bool | None: is the run with these arguments still
# alive (True), dead (False), or can't tell (None: the age rule decides)?
_ALIVE: dict[str, Callable[..., bool | None]] = {}


def _path(task) -> str:
    return f"{task.func.__module__}.{task.func.__qualname__}"


def alive_check(task):
    """Register the decorated function as the liveness test of ``task``'s runs."""

    def register(check):
        _ALIVE[_path(task)] = check
        return check

    return register


class WorkerLost(Exception):  # noqa: N818 - the name the queue's admin shows
    """Recorded on a task row whose worker died while running it."""


def tasks_fail_stale(*, now: datetime.datetime | None = None) -> int:
    """Mark RUNNING task rows whose worker is gone as FAILED; return how many.

    Conditional on the row still being RUNNING, so a task finishing meanwhile keeps its own
    result.
    """
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules

    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return 0
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    autodiscover_modules("tasks")  # every app's alive_check is registered
    now = now or timezone.now()
    too_old = now - datetime.timedelta(minutes=settings.TASKS_STALE_MINUTES)
    failed = 0
    for row in DBTaskResult.objects.running().only("id", "task_path", "args_kwargs", "started_at"):
        check = _ALIVE.get(row.task_path)
        alive = None
        if check is not None:
            alive = check(*row.args_kwargs.get("args", []), **row.args_kwargs.get("kwargs", {}))
        if alive is None:
            alive = row.started_at is not None and row.started_at >= too_old
        if alive:
            continue
        failed += DBTaskResult.objects.filter(pk=row.pk, status=row.status).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback="The worker running this task stopped (killed or restarted) before it "
            "ended; marked failed by tasks_fail_stale.",
            return_value=None,
        )
    return failed
