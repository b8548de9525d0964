"""Runs created at the same moment never share a receipt nor overdraw a batch (PostgreSQL)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from distribution.models import BlankBatch, Card, PrintRun
from distribution.services import DistributionError, print_run_create
from receipts.models import Receipt, ReceiptEvent, Status
from tests.factories import BlankBatchFactory, KelurahanFactory, UserFactory, waiting_receipts

RUNS = 8
CARDS_PER_RUN = 1_000
BLANKS = (3_000, 2_000)
WAITING = 20_000


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simultaneous_runs_allocate_each_receipt_once_within_stock():
    kelurahan = KelurahanFactory()
    batches = [
        BlankBatchFactory(quantity=q, received_on=datetime.date(2018, 1, 1 + i))
        for i, q in enumerate(BLANKS)
    ]
    waiting_receipts(
        kelurahan=kelurahan,
        count=WAITING,
        first_recorded_at=datetime.datetime(2017, 1, 1, tzinfo=timezone.get_default_timezone()),
        step=datetime.timedelta(minutes=5),
    )
    staff = [UserFactory(username=f"staf{i}", is_staff=True) for i in range(RUNS)]
    barrier = threading.Barrier(RUNS)
    results, errors = [], []

    def create_run(user):
        try:
            barrier.wait(timeout=30)
            run = print_run_create(
                kecamatan=None,
                count=CARDS_PER_RUN,
                cutoff_date=datetime.date(2017, 12, 31),
                actor=user,
            )
            results.append(run.allocated)
        except DistributionError as exc:
            errors.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create_run, args=(user,)) for user in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    total = sum(BLANKS)
    assert sum(results) == total
    assert len(results) + len(errors) == RUNS
    assert all("Stok blanko habis" in message for message in errors)
    assert Card.objects.count() == total
    assert Card.objects.values("receipt").distinct().count() == total
    assert sum(PrintRun.objects.values_list("allocated", flat=True)) == total
    for batch in batches:
        batch.refresh_from_db()
        assert batch.used + batch.spoiled <= batch.quantity
        assert batch.used == batch.cards.count()
    assert BlankBatch.objects.filter(used__gt=0).count() == len(BLANKS)
    queued = Receipt.objects.filter(status=Status.QUEUED)
    assert queued.count() == total
    assert set(queued.values_list("pk", flat=True)) == set(
        Card.objects.values_list("receipt", flat=True)
    )
    per_receipt = (
        ReceiptEvent.objects.filter(to_status=Status.QUEUED)
        .values("receipt")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not per_receipt.exists()
    assert ReceiptEvent.objects.filter(to_status=Status.QUEUED).count() == total
    # FIFO held across the runs: the allocated receipts are exactly the oldest ones.
    newest_taken = queued.order_by("-recorded_at").values_list("recorded_at", flat=True)[0]
    assert not Receipt.objects.filter(status=Status.RECORDED, recorded_at__lt=newest_taken).exists()
    assert connection.vendor == "postgresql"
