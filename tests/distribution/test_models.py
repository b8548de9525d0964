import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from distribution.models import BlankBatch
from receipts.models import Resident
from tests.factories import BlankBatchFactory


def test_database_refuses_more_blanks_used_than_delivered(db):
    batch = BlankBatchFactory(quantity=10)
    BlankBatch.objects.filter(pk=batch.pk).update(used=7, spoiled=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        BlankBatch.objects.filter(pk=batch.pk).update(used=F("used") + 1)
    batch.refresh_from_db()
    assert (batch.used, batch.spoiled, batch.left) == (7, 3, 0)


def test_database_refuses_a_nik_that_is_not_16_digits(resident):
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.filter(pk=resident.pk).update(nik="64710554039000")
