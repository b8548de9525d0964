"""Print runs: allocating waiting receipts to blanks, marking them printed, spoiling a card.

Locking policy (lock in this order when more than one is needed, to avoid deadlocks):
BlankBatch rows (oldest first) -> PrintRun / Dispatch row -> Receipt rows (by id).
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.models import BlankBatch, Card, IdempotencyKey, PrintRun
from distribution.printing_stats import printing_plan_lock, printing_stats_refresh
from distribution.selectors import blank_batches_with_stock, blank_stock_totals, print_queue
from distribution.services._common import (
    DistributionError,
    _claim_key,
    _settle_key,
    _transition_all,
)
from receipts import public_version
from receipts.models import Kecamatan, Status
from receipts.services import receipt_transition


@dataclass(frozen=True)
class RunPreview:
    """What a print run would take if created now (nothing is reserved)."""

    requested: int
    eligible: int
    blanks_left: int
    will_take: int
    oldest: datetime.datetime | None
    newest: datetime.datetime | None

    @property
    def short_of_receipts(self) -> bool:
        return self.eligible < self.requested

    @property
    def short_of_blanks(self) -> bool:
        return self.blanks_left < self.requested


def _check_run_request(*, count: int, cutoff_date: datetime.date) -> None:
    if count is None or count <= 0:
        raise DistributionError(_("Jumlah kartu harus lebih dari nol."))
    today = timezone.localdate()
    if cutoff_date > today:
        raise DistributionError(
            _("Batas tanggal resi tidak boleh melewati hari ini (%(today)s).")
            % {"today": today.strftime("%d-%m-%Y")}
        )


def _no_stock_message() -> str:
    return _("Stok blanko habis: catat kiriman blanko baru sebelum membuat proses cetak.")


def _no_receipts_message(cutoff_date: datetime.date) -> str:
    return _("Tidak ada resi yang menunggu blanko dengan tanggal rekam sampai %(cutoff)s.") % {
        "cutoff": cutoff_date.strftime("%d-%m-%Y")
    }


def print_run_preview(
    *, kecamatan: Kecamatan | None, count: int, cutoff_date: datetime.date
) -> RunPreview:
    """Describe what a run would take now, without writing or locking anything."""
    _check_run_request(count=count, cutoff_date=cutoff_date)
    free = blank_stock_totals()["left"]
    queue = print_queue(kecamatan=kecamatan, cutoff_date=cutoff_date)
    eligible = queue.count()
    will_take = min(count, eligible, free)
    oldest = newest = None
    if will_take:
        dates = queue.values_list("recorded_at", flat=True)
        oldest = dates[0]
        newest = dates[will_take - 1]
    return RunPreview(
        requested=count,
        eligible=eligible,
        blanks_left=free,
        will_take=will_take,
        oldest=oldest,
        newest=newest,
    )


def _card_serial(batch: BlankBatch, attempt: int) -> str:
    # The attempt index of a batch (used + spoiled before this card) only grows: spoiling a
    # card moves a blank from used to spoiled without changing the sum. Read under the batch
    # row lock, it gives every blank of a batch its own serial, never reused.
    return f"B{batch.pk}-{attempt + 1:07d}"


@transaction.atomic(durable=True)
def print_run_create(
    *,
    kecamatan: Kecamatan | None,
    count: int,
    cutoff_date: datetime.date,
    actor,
    idempotency_key: str | None = None,
) -> PrintRun:
    """Allocate the oldest waiting receipts to blanks, oldest batch first; return the run.

    Takes what there is when fewer blanks or receipts exist than asked (``allocated`` then
    falls short of ``requested``). Everything commits together or not at all.
    ``idempotency_key``: the form's token; a second submission with it raises AlreadySubmitted
    (pointing to this run) instead of creating a second run.
    """
    claim = _claim_key(idempotency_key, kind=IdempotencyKey.Kind.PRINT_RUN, actor=actor)
    _check_run_request(count=count, cutoff_date=cutoff_date)
    now = timezone.now()

    # Lock the batches with stock left, oldest first (the order every writer uses). Two runs
    # created at the same moment queue here, so neither can consume a blank the other counts
    # as free; the check constraint on BlankBatch is the backstop.
    batches = list(blank_batches_with_stock().select_for_update())
    free = sum(batch.left for batch in batches)
    if free <= 0:
        raise DistributionError(_no_stock_message())
    # The plan row before the receipts: moving them out of `recorded` locks their days'
    # rows of receipts_queueday (its triggers), and card_mark_spoiled holds the plan row when
    # its receipt rejoins a day of the queue. Taken the other way round, the two can deadlock
    # (from the lock order; tests/receipts/test_queue_days.py runs them at once).
    printing_plan_lock()

    # The oldest eligible receipts, ties by number (served by the partial index
    # receipt_queue_idx). SKIP LOCKED: receipts another transaction holds (a concurrent run,
    # a clerk putting one on hold) are passed over instead of waited for, and are never
    # allocated twice because their rows stay locked until that transaction ends.
    receipt_ids = list(
        print_queue(kecamatan=kecamatan, cutoff_date=cutoff_date)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[: min(count, free)]
    )
    if not receipt_ids:
        raise DistributionError(_no_receipts_message(cutoff_date))

    run = PrintRun.objects.create(
        kecamatan=kecamatan,
        requested=count,
        allocated=len(receipt_ids),
        cutoff_date=cutoff_date,
        created_by=actor,
        created_at=now,
    )
    # One row per card: (serial, receipt id, batch id, position in the run).
    rows = []
    remaining = iter(receipt_ids)
    for batch in batches:
        take = min(batch.left, len(receipt_ids) - len(rows))
        if take <= 0:
            break
        first_attempt = batch.used + batch.spoiled
        for offset in range(take):
            rows.append(
                (
                    _card_serial(batch, first_attempt + offset),
                    next(remaining),
                    batch.pk,
                    len(rows) + 1,
                )
            )
        # F() so the database adds to the value it holds; one UPDATE per batch touched.
        BlankBatch.objects.filter(pk=batch.pk).update(used=F("used") + take)
    _cards_insert(run=run, rows=rows)
    _settle_key(claim, run.pk)

    _transition_all(
        receipt_ids=receipt_ids,
        from_status=Status.RECORDED,
        to=Status.QUEUED,
        actor=actor,
        note=_("Masuk proses cetak #%(run)s.") % {"run": run.pk},
        at=now,
    )
    # Every waiting receipt moved up the queue and the blank stock fell.
    printing_stats_refresh()
    public_version.bump()
    return run


def _cards_insert(*, run: PrintRun, rows: list[tuple[str, int, int, int]]) -> None:
    """Insert the cards of a run in one statement, whatever their number."""
    if connection.vendor != "postgresql":
        Card.objects.bulk_create(
            [
                Card(
                    serial=serial,
                    receipt_id=receipt_id,
                    print_run=run,
                    batch_id=batch_id,
                    position=position,
                )
                for serial, receipt_id, batch_id, position in rows
            ]
            # No batch_size: Django splits by SQLite's variable limit itself.
        )
        return
    # PostgreSQL: the columns travel as four arrays and unnest() turns them into rows. For a
    # 20,000-card run this avoids building and serialising 20,000 model instances, which is
    # most of the time bulk_create() takes.
    serials, receipt_ids, batch_ids, positions = (
        list(column) for column in zip(*rows, strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO distribution_card
                (serial, receipt_id, print_run_id, batch_id, position, outcome)
            SELECT serial, receipt_id, %(run)s, batch_id, position, %(outcome)s
            FROM unnest(%(serials)s::varchar[], %(receipts)s::bigint[], %(batches)s::bigint[],
                        %(positions)s::integer[])
                AS card(serial, receipt_id, batch_id, position)
            """,
            {
                "run": run.pk,
                "outcome": Card.Outcome.QUEUED.value,
                "serials": serials,
                "receipts": receipt_ids,
                "batches": batch_ids,
                "positions": positions,
            },
        )


def _lock_run(print_run: PrintRun) -> PrintRun:
    return PrintRun.objects.select_for_update().get(pk=print_run.pk)


@transaction.atomic(durable=True)
def print_run_mark_printed(*, print_run: PrintRun, actor) -> int:
    """Mark every queued card of a run printed, and their receipts; return how many."""
    # The run row lock serialises this with spoiling a card and dispatching the same run.
    run = _lock_run(print_run)
    if run.state == PrintRun.State.PRINTED:
        raise DistributionError(
            _("Proses cetak ini sudah ditandai tercetak."), "print_run_already_printed"
        )
    now = timezone.now()
    queued = run.cards.filter(outcome=Card.Outcome.QUEUED)
    receipt_ids = list(queued.order_by("position").values_list("receipt_id", flat=True))
    queued.update(outcome=Card.Outcome.PRINTED, printed_at=now)
    _transition_all(
        receipt_ids=receipt_ids,
        from_status=Status.QUEUED,
        to=Status.PRINTED,
        actor=actor,
        note=_("Dicetak dalam proses cetak #%(run)s.") % {"run": run.pk},
        at=now,
    )
    run.state = PrintRun.State.PRINTED
    run.printed_at, run.printed_by = now, actor
    run.save(update_fields=["state", "printed_at", "printed_by"])
    print_run.state, print_run.printed_at = run.state, run.printed_at
    print_run.printed_by = actor
    printing_stats_refresh()  # the printing rate behind the waiting-time estimate
    public_version.bump()
    return len(receipt_ids)


@transaction.atomic(durable=True)
def card_mark_spoiled(*, card: Card, actor, note: str = "") -> Card:
    """Spoil a misprinted card's blank and put its receipt back at the front of the queue.

    The receipt returns to ``recorded`` with its original recording time, so the next run
    takes it before any receipt recorded after it.
    """
    # Lock order: batch -> run -> card -> receipt, as in print_run_create. The batch lock
    # keeps its counts exact; the run lock keeps a concurrent dispatch from sending the card.
    BlankBatch.objects.select_for_update().filter(pk=card.batch_id).get()
    PrintRun.objects.select_for_update().filter(pk=card.print_run_id).get()
    locked = Card.objects.select_for_update().select_related("receipt").get(pk=card.pk)
    if locked.outcome == Card.Outcome.SPOILED:
        raise DistributionError(
            _("Kartu %(serial)s sudah dinyatakan rusak.") % {"serial": locked.serial},
            "card_already_spoiled",
        )
    if locked.dispatch_items.exists():
        raise DistributionError(
            _("Kartu %(serial)s sudah dikirim ke kecamatan; tidak bisa dinyatakan salah cetak.")
            % {"serial": locked.serial}
        )
    now = timezone.now()
    # receipt_transition below takes the version row; the plan row must be locked before it.
    printing_plan_lock()
    receipt_transition(
        receipt=locked.receipt,
        to=Status.RECORDED,
        actor=actor,
        note=note
        or _("Kartu %(serial)s salah cetak; kembali ke antrean.") % {"serial": locked.serial},
        at=now,
    )
    locked.outcome = Card.Outcome.SPOILED
    locked.spoiled_at, locked.spoiled_by = now, actor
    locked.save(update_fields=["outcome", "spoiled_at", "spoiled_by"])
    BlankBatch.objects.filter(pk=locked.batch_id).update(
        used=F("used") - 1, spoiled=F("spoiled") + 1
    )
    card.outcome, card.spoiled_at, card.spoiled_by = locked.outcome, locked.spoiled_at, actor
    # A queued card leaves its run, a printed one the printing rate. The version was bumped by
    # receipt_transition above (the receipt rejoined the queue) and this commits with it.
    printing_stats_refresh()
    return locked
