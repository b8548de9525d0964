"""The print queue counted per recording day stays exact through every writer
(receipts/queue_days.py): after each change, every waiting receipt's position read from the
day counts equals the COUNT over the whole queue ahead, and a recount finds no day that differs.
"""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from distribution.models import Card
from distribution.services import card_mark_spoiled, print_run_create
from receipts.models import QueueDay, Receipt, Status
from receipts.queue_days import (
    queue_days_check,
    queue_days_rebuild,
    queue_position,
    queue_position_by_count,
)
from receipts.services import receipt_create, receipt_transition, receipt_update_details
from tests import import_rows
from tests.factories import (
    BlankBatchFactory,
    KelurahanFactory,
    ResidentFactory,
    UserFactory,
    waiting_receipts,
)

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 12, 31)


def assert_exact_positions():
    """Every waiting receipt's position, both ways; returns them in queue order."""
    assert queue_days_check() == {}
    waiting = Receipt.objects.filter(status=Status.RECORDED).order_by("recorded_at", "number")
    positions = [queue_position(receipt=r) for r in waiting]
    assert positions == [queue_position_by_count(receipt=r) for r in waiting]
    assert positions == list(range(1, len(positions) + 1))
    return positions


@pytest.fixture
def queue(sepinggan):
    """Twelve waiting receipts over four days, three a day, 07:30 WITA apart (so two of each
    day's three fall on the UTC day before: the days are UTC dates)."""
    return waiting_receipts(
        kelurahan=sepinggan,
        count=12,
        first_recorded_at=datetime.datetime(2017, 7, 1, 6, 0, tzinfo=WITA),
        step=datetime.timedelta(hours=7, minutes=30),
    )


def test_the_day_counts_follow_the_receipts_written_in_bulk(queue):
    assert sum(QueueDay.objects.values_list("recorded", flat=True)) == 12
    assert QueueDay.objects.count() > 1
    assert_exact_positions()


def test_a_print_run_moves_everyone_up(queue, staff):
    BlankBatchFactory(quantity=5)
    print_run_create(kecamatan=None, count=5, cutoff_date=CUTOFF, actor=staff)
    assert len(assert_exact_positions()) == 7
    assert queue_position(receipt=queue[11]) == 7


def test_a_hold_a_return_and_a_cancellation(queue, staff):
    receipt_transition(receipt=queue[2], to=Status.ON_HOLD, actor=staff)
    assert queue_position(receipt=queue[5]) == 5
    assert_exact_positions()
    receipt_transition(receipt=queue[2], to=Status.RECORDED, actor=staff)
    assert queue_position(receipt=queue[5]) == 6
    assert_exact_positions()
    receipt_transition(receipt=queue[0], to=Status.CANCELLED, actor=staff)
    assert queue_position(receipt=queue[5]) == 5
    assert len(assert_exact_positions()) == 11


def test_a_misprint_goes_back_to_its_place_in_the_queue(queue, staff):
    BlankBatchFactory(quantity=5)
    print_run_create(kecamatan=None, count=3, cutoff_date=CUTOFF, actor=staff)
    assert queue_position(receipt=queue[3]) == 1
    card_mark_spoiled(card=Card.objects.get(receipt=queue[1]), actor=staff)
    assert queue_position(receipt=queue[1]) == 1
    assert queue_position(receipt=queue[3]) == 2
    assert len(assert_exact_positions()) == 10


def test_a_new_receipt_recorded_earlier_and_a_corrected_recording_time(queue, staff):
    newcomer = receipt_create(
        resident=ResidentFactory(kelurahan=queue[0].resident.kelurahan),
        number="BPN1706300001",
        recorded_at=datetime.datetime(2017, 6, 30, 8, 0, tzinfo=WITA),
        recorded_place="Kantor Disdukcapil",
        actor=staff,
    )
    assert queue_position(receipt=newcomer) == 1
    assert_exact_positions()
    # Moved to the back: out of one day's count, into another's.
    receipt_update_details(
        receipt=newcomer,
        actor=staff,
        recorded_at=datetime.datetime(2017, 7, 9, 8, 0, tzinfo=WITA),
    )
    newcomer.refresh_from_db()
    assert queue_position(receipt=newcomer) == 13
    assert_exact_positions()


def test_an_import_joins_the_queue_in_its_days(places):
    result, rejects = import_rows.run(import_rows.csv_text(import_rows.siti(), import_rows.budi()))
    assert rejects == []
    assert Receipt.objects.filter(status=Status.RECORDED).count() == 2
    assert assert_exact_positions() == [1, 2]


def test_even_a_raw_update_moves_the_counts(queue):
    Receipt.objects.filter(pk=queue[4].pk).update(status=Status.CANCELLED)
    assert queue_position(receipt=queue[5]) == 5
    assert len(assert_exact_positions()) == 11


def test_the_check_command_finds_a_wrong_count_and_repairs_it(queue, capsys):
    day = QueueDay.objects.order_by("day").first()
    with connection.cursor() as cursor:  # what a TRUNCATE of receipts would leave, in small
        cursor.execute(
            "UPDATE receipts_queueday SET recorded = recorded + 2 WHERE day = %s", [day.day]
        )
    assert queue_days_check() == {day.day: (day.recorded + 2, day.recorded)}
    with pytest.raises(CommandError, match="1 hari tidak cocok"):
        call_command("queue_days_check")
    assert f"{day.day}: tersimpan {day.recorded + 2}, hitungan ulang {day.recorded}" in (
        capsys.readouterr().out
    )
    call_command("queue_days_check", "--repair")
    assert "Diperbaiki" in capsys.readouterr().out
    assert_exact_positions()
    call_command("queue_days_check")
    assert "cocok" in capsys.readouterr().out


def test_rebuild_after_the_receipts_are_gone(queue):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM receipts_receiptevent")
        cursor.execute("DELETE FROM receipts_receipt")
    assert queue_days_check() == {}  # the delete trigger subtracted them
    QueueDay.objects.update(recorded=99)
    assert queue_days_rebuild() == 0
    assert QueueDay.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_writers_leave_the_day_counts_exact():
    """Print runs, holds, a misprint and new receipts at once, in their own threads and
    connections: no deadlock, no lost update of a day's count."""
    from distribution.printing_stats import printing_stats_refresh

    kelurahan = KelurahanFactory()
    BlankBatchFactory(quantity=300, received_on=datetime.date(2018, 1, 1))
    queue = waiting_receipts(
        kelurahan=kelurahan,
        count=240,
        first_recorded_at=datetime.datetime(2017, 1, 1, tzinfo=WITA),
        step=datetime.timedelta(hours=2),
    )
    staff = UserFactory(username="staf", is_staff=True)
    printing_stats_refresh()
    first = print_run_create(kecamatan=None, count=20, cutoff_date=CUTOFF, actor=staff)
    spoil = list(Card.objects.filter(print_run=first).order_by("position")[:4])
    newcomers = [ResidentFactory(kelurahan=kelurahan) for _ in range(4)]

    def hold(receipt):
        receipt_transition(receipt=receipt, to=Status.ON_HOLD, actor=staff)

    def create(resident, i):
        receipt_create(
            resident=resident,
            number=f"BPN17010{i:05d}",
            recorded_at=datetime.datetime(2017, 1, 3, 12, i, tzinfo=WITA),
            recorded_place="Kantor Disdukcapil",
            actor=staff,
        )

    jobs = [
        lambda: print_run_create(kecamatan=None, count=30, cutoff_date=CUTOFF, actor=staff),
        lambda: print_run_create(kecamatan=None, count=30, cutoff_date=CUTOFF, actor=staff),
        *[lambda card=card: card_mark_spoiled(card=card, actor=staff) for card in spoil],
        *[lambda r=r: hold(r) for r in queue[100:106]],
        *[lambda r=r, i=i: create(r, i) for i, r in enumerate(newcomers)],
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
    # 240 waiting - 20 - 2 * 30 printed + 4 misprints back - 6 held + 4 new.
    assert len(assert_exact_positions()) == 240 - 20 - 60 + 4 - 6 + 4
