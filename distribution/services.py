"""Writes for blank stock, printing and distribution. Status changes go through receipts.services.

Locking policy (lock in this order when more than one is needed, to avoid deadlocks):
BlankBatch rows (oldest first) -> PrintRun / Dispatch row -> Receipt rows (by id).
"""

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditlog.receivers import log_create as audit_log_create
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.models import (
    BlankBatch,
    Card,
    Dispatch,
    DispatchItem,
    Officer,
    PickupSchedule,
    PrintRun,
)
from distribution.selectors import blank_batches_with_stock, blank_stock, print_queue
from receipts import public_version
from receipts.models import Kecamatan, Kelurahan, Status
from receipts.services import (
    receipt_transition,
    receipts_transition_bulk,
)

logger = logging.getLogger(__name__)


class DistributionError(Exception):
    """A request the office's rules refuse; ``message`` is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@transaction.atomic
def dispatch_receive(
    *, dispatch: Dispatch, actor, missing_card_ids: Iterable[int] = (), note: str = ""
) -> tuple[int, int]:
    """Confirm that a dispatch arrived at its kecamatan; return (arrived, missing).

    Arrived cards become ``ready``; missing ones stay ``dispatched`` with a note. The dispatch
    row is locked so that two clerks confirming the same delivery cannot both apply it.
    """
    locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    # Views check this too; the service refuses on its own so no other caller can skip it.
    if not actor.has_perm("distribution.receive_dispatch"):
        raise DistributionError(_("Akun ini tidak berhak mengonfirmasi kiriman."))
    officer = Officer.objects.filter(user=actor).only("kecamatan_id").first()
    if officer is not None and officer.kecamatan_id != locked.kecamatan_id:
        raise DistributionError(_("Kiriman ini ditujukan ke kecamatan lain."))
    if locked.state != Dispatch.State.SENT:
        raise DistributionError(
            _("Kiriman ini sudah dikonfirmasi sampai pada %(at)s.")
            % {"at": timezone.localtime(locked.received_at).strftime("%d-%m-%Y %H:%M")}
        )
    items = list(locked.items.select_related("card").order_by("pk"))
    missing = {int(pk) for pk in missing_card_ids}
    unknown = missing - {item.card_id for item in items}
    if unknown:
        raise DistributionError(_("Ada kartu yang tidak termasuk dalam kiriman ini."))
    arrived_items = [item for item in items if item.card_id not in missing]
    missing_items = [item for item in items if item.card_id in missing]
    now = timezone.now()
    receipt_ids = [item.card.receipt_id for item in arrived_items]
    # Someone may have changed one of these receipts meanwhile (e.g. put it on hold): then
    # the whole confirmation is refused rather than leaving the dispatch half-applied.
    _transition_all(
        receipt_ids=receipt_ids,
        from_status=Status.DISPATCHED,
        to=Status.READY,
        actor=actor,
        note=_("Kartu sampai di kecamatan %(kecamatan)s.") % {"kecamatan": locked.kecamatan},
        at=now,
    )
    DispatchItem.objects.filter(pk__in=[i.pk for i in arrived_items]).update(arrived=True)
    missing_note = note or _("Tidak ada saat kiriman diterima.")
    DispatchItem.objects.filter(pk__in=[i.pk for i in missing_items]).update(
        arrived=False, note=missing_note[:255]
    )
    locked.state = Dispatch.State.RECEIVED
    locked.received_at = now
    locked.received_by = actor
    if note:
        locked.note = note[:500]
    locked.save(update_fields=["state", "received_at", "received_by", "note"])
    dispatch.state, dispatch.received_at = locked.state, locked.received_at
    return len(arrived_items), len(missing_items)


# --- Blank stock -----------------------------------------------------------------------------


@transaction.atomic
def blank_batch_receive(
    *, reference: str, quantity: int, received_on: datetime.date, actor, note: str = ""
) -> BlankBatch:
    """Record a delivery of blank cards from Ditjen Dukcapil."""
    reference = (reference or "").strip()
    if not reference:
        raise DistributionError(_("Nomor surat/referensi batch wajib diisi."))
    if quantity is None or quantity <= 0:
        raise DistributionError(_("Jumlah blanko harus lebih dari nol."))
    if received_on > timezone.localdate():
        raise DistributionError(_("Tanggal diterima tidak boleh di masa depan."))
    # The unique constraint on reference is the backstop if two people record the same letter
    # at once; this check only gives the usual case a friendly message.
    if BlankBatch.objects.filter(reference=reference).exists():
        raise DistributionError(
            _("Batch dengan referensi %(reference)s sudah dicatat.") % {"reference": reference}
        )
    batch = BlankBatch.objects.create(
        reference=reference, quantity=quantity, received_on=received_on, note=note[:255]
    )
    logger.info("blank batch %s (%s blanks) recorded by %s", reference, quantity, actor)
    return batch


# --- Print runs ------------------------------------------------------------------------------


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
    blanks_left = blank_stock()["total"]["left"]
    queue = print_queue(kecamatan=kecamatan, cutoff_date=cutoff_date)
    eligible = queue.count()
    will_take = min(count, eligible, blanks_left)
    oldest = newest = None
    if will_take:
        dates = queue.values_list("recorded_at", flat=True)
        oldest = dates[0]
        newest = dates[will_take - 1]
    return RunPreview(
        requested=count,
        eligible=eligible,
        blanks_left=blanks_left,
        will_take=will_take,
        oldest=oldest,
        newest=newest,
    )


def _transition_all(*, receipt_ids, from_status, to, actor, note, at) -> None:
    """Move every listed receipt or raise, so that the caller's transaction rolls back."""
    moved = receipts_transition_bulk(
        receipt_ids=receipt_ids, from_status=from_status, to=to, actor=actor, note=note, at=at
    )
    if moved != len(receipt_ids):
        raise DistributionError(
            _("Status sebagian resi berubah sementara itu; tidak ada yang disimpan. Coba lagi.")
        )


def _card_serial(batch: BlankBatch, attempt: int) -> str:
    # The attempt index of a batch (used + spoiled before this card) only grows: spoiling a
    # card moves a blank from used to spoiled without changing the sum. Read under the batch
    # row lock, it gives every blank of a batch its own serial, never reused.
    return f"B{batch.pk}-{attempt + 1:07d}"


@transaction.atomic
def print_run_create(
    *, kecamatan: Kecamatan | None, count: int, cutoff_date: datetime.date, actor
) -> PrintRun:
    """Allocate the oldest waiting receipts to blanks, oldest batch first; return the run.

    Takes what there is when fewer blanks or receipts exist than asked (``allocated`` then
    falls short of ``requested``). Everything commits together or not at all.
    """
    _check_run_request(count=count, cutoff_date=cutoff_date)
    now = timezone.now()

    # Lock the batches with stock left, oldest first (the order every writer uses). Two runs
    # created at the same moment queue here, so neither can consume a blank the other counts
    # as free; the check constraint on BlankBatch is the backstop.
    batches = list(blank_batches_with_stock().select_for_update())
    blanks_left = sum(b.quantity - b.used - b.spoiled for b in batches)
    if blanks_left <= 0:
        raise DistributionError(_no_stock_message())

    # The oldest eligible receipts, ties by number (served by the partial index
    # receipt_queue_idx). SKIP LOCKED: receipts another transaction holds (a concurrent run,
    # a clerk putting one on hold) are passed over instead of waited for, and are never
    # allocated twice because their rows stay locked until that transaction ends.
    receipt_ids = list(
        print_queue(kecamatan=kecamatan, cutoff_date=cutoff_date)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[: min(count, blanks_left)]
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
        take = min(batch.quantity - batch.used - batch.spoiled, len(receipt_ids) - len(rows))
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

    _transition_all(
        receipt_ids=receipt_ids,
        from_status=Status.RECORDED,
        to=Status.QUEUED,
        actor=actor,
        note=_("Masuk proses cetak #%(run)s.") % {"run": run.pk},
        at=now,
    )
    # Every waiting receipt moved up the queue and the blank stock fell.
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
            ],
            batch_size=_bulk_batch_size(),
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


def _bulk_batch_size() -> int | None:
    # PostgreSQL takes one INSERT for the whole run; SQLite needs its parameter bound.
    return 100 if connection.features.max_query_params else None


def _lock_run(print_run: PrintRun) -> PrintRun:
    return PrintRun.objects.select_for_update().get(pk=print_run.pk)


@transaction.atomic
def print_run_mark_printed(*, print_run: PrintRun, actor) -> int:
    """Mark every queued card of a run printed, and their receipts; return how many."""
    # The run row lock serialises this with spoiling a card and dispatching the same run.
    run = _lock_run(print_run)
    if run.state == PrintRun.State.PRINTED:
        raise DistributionError(_("Proses cetak ini sudah ditandai tercetak."))
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
    run.printed_at = now
    run.save(update_fields=["state", "printed_at"])
    print_run.state, print_run.printed_at = run.state, run.printed_at
    public_version.bump()  # the printing rate behind the waiting-time estimate
    return len(receipt_ids)


@transaction.atomic
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
            _("Kartu %(serial)s sudah dinyatakan rusak.") % {"serial": locked.serial}
        )
    if locked.dispatch_items.exists():
        raise DistributionError(
            _("Kartu %(serial)s sudah dikirim ke kecamatan; tidak bisa dinyatakan salah cetak.")
            % {"serial": locked.serial}
        )
    now = timezone.now()
    receipt_transition(
        receipt=locked.receipt,
        to=Status.RECORDED,
        actor=actor,
        note=note
        or _("Kartu %(serial)s salah cetak; kembali ke antrean.") % {"serial": locked.serial},
        at=now,
    )
    locked.outcome = Card.Outcome.SPOILED
    locked.spoiled_at = now
    locked.save(update_fields=["outcome", "spoiled_at"])
    BlankBatch.objects.filter(pk=locked.batch_id).update(
        used=F("used") - 1, spoiled=F("spoiled") + 1
    )
    card.outcome, card.spoiled_at = locked.outcome, locked.spoiled_at
    # The version was bumped by receipt_transition above (the receipt rejoined the queue); the
    # stock change commits with it, so no second bump is needed.
    return locked


# --- Dispatch and pickup schedules -----------------------------------------------------------


@transaction.atomic
def dispatch_create(
    *, actor, print_run: PrintRun | None = None, cards: Iterable[Card] | None = None
) -> list[Dispatch]:
    """Send the printed, not yet sent cards of a run (or the given cards) to their kecamatan.

    One dispatch per collection kecamatan; the receipts become ``dispatched``.
    """
    if (print_run is None) == (cards is None):
        raise TypeError("dispatch_create() takes either print_run or cards")
    if print_run is not None:
        run_ids = [print_run.pk]
        candidates = Card.objects.filter(print_run_id=print_run.pk)
    else:
        card_ids = [c.pk for c in cards]
        run_ids = sorted(
            set(Card.objects.filter(pk__in=card_ids).values_list("print_run_id", flat=True))
        )
        candidates = Card.objects.filter(pk__in=card_ids)
    # Lock the runs (in id order): two people dispatching the same run are serialised, and the
    # second finds the cards already in a dispatch; spoiling a card waits on the same lock.
    list(PrintRun.objects.select_for_update().filter(pk__in=run_ids).order_by("pk"))
    rows = list(
        candidates.filter(
            outcome=Card.Outcome.PRINTED,
            receipt__status=Status.PRINTED,
            dispatch_items__isnull=True,
        )
        .order_by("print_run_id", "position")
        .values_list("pk", "receipt_id", "receipt__collection_kecamatan_id")
    )
    if not rows:
        raise DistributionError(_("Tidak ada kartu tercetak yang belum dikirim."))
    now = timezone.now()
    by_kecamatan: dict[int, list[tuple[int, int]]] = {}
    for card_id, receipt_id, kecamatan_id in rows:
        by_kecamatan.setdefault(kecamatan_id, []).append((card_id, receipt_id))
    # One row per kecamatan (six in Balikpapan): bounded, whatever the number of cards.
    dispatches = [
        Dispatch.objects.create(kecamatan_id=kecamatan_id, sent_by=actor, sent_at=now)
        for kecamatan_id in sorted(by_kecamatan)
    ]
    items = [
        DispatchItem(dispatch=dispatch, card_id=card_id)
        for dispatch in dispatches
        for card_id, _receipt_id in by_kecamatan[dispatch.kecamatan_id]
    ]
    DispatchItem.objects.bulk_create(items, batch_size=_bulk_batch_size())
    for dispatch in dispatches:
        _transition_all(
            receipt_ids=[
                receipt_id for _card_id, receipt_id in by_kecamatan[dispatch.kecamatan_id]
            ],
            from_status=Status.PRINTED,
            to=Status.DISPATCHED,
            actor=actor,
            note=_("Dikirim ke kecamatan (kiriman #%(dispatch)s).") % {"dispatch": dispatch.pk},
            at=now,
        )
    return dispatches


@dataclass(frozen=True)
class PickupEntry:
    """One published pickup day: for a kelurahan (or the whole kecamatan when None)."""

    kelurahan: Kelurahan | None
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    place: str = ""
    note: str = ""


def pickup_schedule_plan(
    *,
    kelurahan: Sequence[Kelurahan],
    start_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str = "",
    note: str = "",
) -> list[PickupEntry]:
    """Give each kelurahan its own day, in order, from ``start_date``, skipping Sundays."""
    entries = []
    day = start_date
    for kel in kelurahan:
        while day.weekday() == 6:  # Sunday: the counters are closed
            day += datetime.timedelta(days=1)
        entries.append(
            PickupEntry(
                kelurahan=kel,
                date=day,
                start_time=start_time,
                end_time=end_time,
                place=place,
                note=note,
            )
        )
        day += datetime.timedelta(days=1)
    return entries


@transaction.atomic
def pickup_schedule_publish(
    *, kecamatan: Kecamatan, entries: Sequence[PickupEntry], actor
) -> list[PickupSchedule]:
    """Publish pickup days for a kecamatan in one go; all entries are saved or none."""
    if not entries:
        raise DistributionError(_("Tidak ada jadwal untuk diterbitkan."))
    today = timezone.localdate()
    for entry in entries:
        if entry.kelurahan is not None and entry.kelurahan.kecamatan_id != kecamatan.pk:
            raise DistributionError(
                _("Kelurahan %(kelurahan)s bukan bagian dari kecamatan %(kecamatan)s.")
                % {"kelurahan": entry.kelurahan, "kecamatan": kecamatan}
            )
        if entry.date < today:
            raise DistributionError(_("Tanggal pengambilan tidak boleh sebelum hari ini."))
        if entry.end_time <= entry.start_time:
            raise DistributionError(_("Jam selesai harus setelah jam mulai."))
    taken = PickupSchedule.objects.filter(
        kecamatan=kecamatan,
        date__in={entry.date for entry in entries},
        kelurahan__in=[entry.kelurahan for entry in entries if entry.kelurahan is not None],
    ).values_list("kelurahan_id", "date")
    published = set(taken)
    for entry in entries:
        if entry.kelurahan is not None and (entry.kelurahan.pk, entry.date) in published:
            raise DistributionError(
                _("Jadwal untuk %(kelurahan)s pada %(date)s sudah ada.")
                % {"kelurahan": entry.kelurahan, "date": entry.date.strftime("%d-%m-%Y")}
            )
    schedules = PickupSchedule.objects.bulk_create(
        [
            PickupSchedule(
                kecamatan=kecamatan,
                kelurahan=entry.kelurahan,
                date=entry.date,
                start_time=entry.start_time,
                end_time=entry.end_time,
                place=entry.place[:255],
                note=entry.note[:255],
            )
            for entry in entries
        ]
    )
    # bulk_create sends no post_save: write the audit entries the auditlog registry would.
    for schedule in schedules:
        if schedule.pk is not None:
            audit_log_create(sender=PickupSchedule, instance=schedule, created=True)
    logger.info("%s pickup days published for %s by %s", len(schedules), kecamatan, actor)
    public_version.bump()  # bulk_create sends no post_save either
    return schedules
