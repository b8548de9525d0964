"""The project's task layer over Django's Tasks API (django-tasks, database backend).

Every background job is a ``@task`` function in its app's ``tasks.py``, enqueued with
``enqueue_on_commit`` so it only exists once the data it works on is committed. Queues:

- ``default``: short jobs (sending notifications, the periodic tick); many workers.
- ``long``: jobs of minutes (the admin import, big staff exports): run by a
  worker of their own (``db_worker --queue-name long``) so a long import never delays the
  "card ready" messages behind it.

Jobs take ids, never model instances (arguments are stored as JSON), and are written to be
run twice safely: django-tasks-db does not retry and does not recover a task whose worker
died (it stays RUNNING), so each job keeps its own progress in its own rows (the
notifications outbox does: notifications/delivery.py) and the periodic tick re-enqueues
what is left.
"""

from django.db import transaction

QUEUE_DEFAULT = "default"
QUEUE_LONG = "long"
QUEUES = [QUEUE_DEFAULT, QUEUE_LONG]


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
