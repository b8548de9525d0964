"""Data built once for a whole module instead of once per test (when building it is the cost).

    @pytest.fixture(scope="module")
    def _city(django_db_setup, django_db_blocker):
        with shared_data(django_db_blocker, lambda: seed(50_000)) as built:
            yield built

The rows live in a transaction of their own, rolled back when the module is done. Each test
still runs in its savepoint inside it (pytest-django's ``db``), so a test's own writes are
undone after it as usual, and no test of another module ever sees the rows. From the first
test that asks for the fixture to the end of the module, every test of the module sees them
(one that does not ask too): tests that need an empty database come first. Only for tests
that do not need ``transaction=True`` (those commit, and would see nothing or leave rows).
"""

import contextlib
from collections.abc import Callable

from django.db import connection, transaction


@contextlib.contextmanager
def shared_data(django_db_blocker, build: Callable):
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        # The role TestCase's class-wide transaction plays: a durable atomic block of the code
        # under test may open inside it, as it may inside a test's.
        block._from_testcase = True
        try:
            built = build()
            # Check the deferred foreign keys of the new rows now, once. Left queued, they
            # would be checked again at the end of every test (TestCase checks constraints
            # before rolling back to its savepoint, which queues them again): 50,000
            # receipts and their events made that ~25 s a test.
            connection.check_constraints()
            yield built
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
