"""The suite puts back the data migrations' rows after every flush (tests/conftest.py).

A transactional test ends with a flush; under pytest-xdist a plain ``db`` test may run after it
in the same process and expects the roles, the printing plan and the other one-row tables. A
new data migration whose rows the conftest does not write again fails here, not at random in
whichever test happens to follow a flush.
"""

import pytest
from django.core.management import call_command

from tests.conftest import _write_migration_rows, migration_rows


@pytest.mark.django_db(transaction=True)
def test_the_rows_of_the_data_migrations_come_back_after_a_flush(migrated_rows):
    assert "group Staf Disdukcapil" in migrated_rows
    call_command("flush", interactive=False, verbosity=0)
    assert migration_rows() != migrated_rows
    _write_migration_rows()
    assert migration_rows() == migrated_rows
