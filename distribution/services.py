"""Writes for blank stock, printing and distribution. Status changes go through receipts.services.

Locking policy (lock in this order when more than one is needed, to avoid deadlocks):
BlankBatch rows (oldest first) -> PrintRun / Dispatch row -> Receipt rows (by id).
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.models import Dispatch, DispatchItem
from receipts.models import Status
from receipts.services import TransitionError, receipts_transition_bulk


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
    moved = receipts_transition_bulk(
        receipt_ids=receipt_ids,
        from_status=Status.DISPATCHED,
        to=Status.READY,
        actor=actor,
        note=_("Kartu sampai di kecamatan %(kecamatan)s.") % {"kecamatan": locked.kecamatan},
        at=now,
    )
    if moved != len(receipt_ids):
        # Someone changed one of these receipts meanwhile (e.g. put it on hold): refuse the
        # whole confirmation rather than leave the dispatch half-applied.
        raise TransitionError(
            _("Status sebagian kartu berubah sementara itu; muat ulang dan coba lagi.")
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
