"""The estimate's figures stay exact when writers refresh them at the same moment (PostgreSQL).

Marking runs printed, spoiling cards of another run, creating a run and receiving a batch, all
at once in their own threads: each refreshes the one PrintingPlan row under its row lock
before bumping the version, so none deadlocks and the row ends equal to a fresh recomputation
from the cards and batches (no writer's refresh is lost to another's older snapshot).
"""

import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone

from distribution.models import Card, PrintingPlan
from distribution.printing_stats import printing_stats_refresh
from distribution.services import (
    blank_batch_receive,
    card_mark_spoiled,
    print_run_create,
    print_run_mark_printed,
)
from tests.factories import BlankBatchFactory, KelurahanFactory, UserFactory, waiting_receipts


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_writers_leave_the_figures_exact():
    kelurahan = KelurahanFactory()
    BlankBatchFactory(quantity=400, received_on=datetime.date(2018, 1, 1))
    waiting_receipts(
        kelurahan=kelurahan,
        count=300,
        first_recorded_at=datetime.datetime(2017, 1, 1, tzinfo=timezone.get_default_timezone()),
    )
    staff = UserFactory(username="staf", is_staff=True)
    cutoff = datetime.date(2017, 12, 31)
    runs = [
        print_run_create(kecamatan=None, count=40, cutoff_date=cutoff, actor=staff)
        for _ in range(3)
    ]
    spoil = list(Card.objects.filter(print_run=runs[2]).order_by("position")[:5])

    jobs = [
        lambda: print_run_mark_printed(print_run=runs[0], actor=staff),
        lambda: print_run_mark_printed(print_run=runs[1], actor=staff),
        *[lambda card=card: card_mark_spoiled(card=card, actor=staff) for card in spoil],
        lambda: print_run_create(kecamatan=None, count=30, cutoff_date=cutoff, actor=staff),
        lambda: blank_batch_receive(
            reference="470/9/2026", quantity=250, received_on=timezone.localdate(), actor=staff
        ),
    ]
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait(timeout=30)
            job()
        except Exception as exc:  # a deadlock or lock timeout would land here
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    kept = PrintingPlan.objects.get()
    fresh = printing_stats_refresh()
    figures = ("blanks_left", "cards_allocated", "print_days")
    assert [getattr(kept, f) for f in figures] == [getattr(fresh, f) for f in figures]
    # 400 + 250 blanks, 150 allocated (5 of them spoiled: their blanks are not "left" either).
    assert kept.blanks_left == 400 + 250 - 150
    assert kept.cards_allocated == 40 - 5 + 30
    assert sum(n for _day, n in kept.print_days) == 80
