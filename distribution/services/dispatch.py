"""Dispatch: sending printed cards to their kecamatan and confirming that they arrived.

Locking policy: PrintRun rows (by id) -> Dispatch row -> Receipt rows (by id), the order of
the printing services, so that dispatching never deadlocks with spoiling a card.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.models import Card, Dispatch, DispatchItem, IdempotencyKey, Officer, PrintRun
from distribution.printing_stats import printing_stats_refresh
from distribution.services._common import (
    DistributionError,
    _claim_key,
    _settle_key,
    _transition_all,
)
from receipts import public_version
from receipts.models import Status


@transaction.atomic(durable=True)
def dispatch_create(
    *,
    actor,
    print_run: PrintRun | None = None,
    cards: Iterable[Card] | None = None,
    idempotency_key: str | None = None,
) -> list[Dispatch]:
    """Send the printed, not yet sent cards of a run (or the given cards) to their kecamatan.

    One dispatch per collection kecamatan; the receipts become ``dispatched``.
    ``idempotency_key``: the form's token; a second submission with it raises AlreadySubmitted.
    """
    claim = _claim_key(idempotency_key, kind=IdempotencyKey.Kind.DISPATCH, actor=actor)
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
        raise DistributionError(
            _("Tidak ada kartu tercetak yang belum dikirim."), "nothing_to_dispatch"
        )
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
    _settle_key(claim, dispatches[0].pk if len(dispatches) == 1 else None)
    # No batch_size: one INSERT on PostgreSQL; Django splits by SQLite's variable limit itself.
    DispatchItem.objects.bulk_create(items)
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


@transaction.atomic(durable=True)
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
            % {"at": timezone.localtime(locked.received_at).strftime("%d-%m-%Y %H:%M")},
            "dispatch_already_received",
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
    # The kecamatan's printed-to-ready time, shown to every waiting receipt, has a new sample.
    printing_stats_refresh()
    public_version.bump()
    return len(arrived_items), len(missing_items)
