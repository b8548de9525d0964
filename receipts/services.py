"""Writes to receipts. Every change of an existing receipt's ``Receipt.status`` goes through
here. Two writers set a status without it, on receipts they create: the import (every new
receipt starts ``recorded``, with its first event; receipts/importing/) and the demo seeder
(whole made-up histories at once).

Locking policy: a single receipt is changed under ``select_for_update()`` inside
``transaction.atomic()``; many receipts at once are first locked with ``SELECT … FOR UPDATE``
(in id order, so two bulk moves cannot deadlock) and then changed by one conditional UPDATE
whose ``WHERE status = <from>`` leaves out any receipt a concurrent change moved first.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disdukcapil.audit import acting_as
from disdukcapil.errors import ApplicationError
from receipts import hooks, public_version
from receipts.models import Receipt, ReceiptEvent, Resident, Status

# The explicit table of allowed status changes: from -> the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECORDED: frozenset({Status.QUEUED, Status.ON_HOLD, Status.CANCELLED}),
    # queued -> recorded: the card was misprinted; the receipt keeps its place in the queue.
    Status.QUEUED: frozenset({Status.PRINTED, Status.RECORDED, Status.ON_HOLD, Status.CANCELLED}),
    # printed -> recorded: a printed card found misprinted before dispatch spoils its blank.
    Status.PRINTED: frozenset(
        {Status.DISPATCHED, Status.RECORDED, Status.ON_HOLD, Status.CANCELLED}
    ),
    Status.DISPATCHED: frozenset({Status.READY, Status.ON_HOLD, Status.CANCELLED}),
    Status.READY: frozenset({Status.COLLECTED, Status.ON_HOLD, Status.CANCELLED}),
    # collected -> ready: a supervisor undid a hand-over.
    Status.COLLECTED: frozenset({Status.READY}),
    # A data problem solved sends the receipt back to the step it can continue from.
    Status.ON_HOLD: frozenset({Status.RECORDED, Status.PRINTED, Status.READY, Status.CANCELLED}),
    Status.CANCELLED: frozenset(),
}


class TransitionError(ApplicationError):
    """A status change that the transition table, or the receipt's current state, refuses."""

    default_code = "transition_refused"

    def __init__(self, message: str, code: str | None = None, *, receipt=None):
        super().__init__(message, code)
        self.receipt = receipt


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def _refusal(number: str, from_status: str, to_status: str) -> str:
    return _(
        "Status resi %(number)s tidak bisa diubah dari \u201c%(from)s\u201d ke \u201c%(to)s\u201d."
    ) % {
        "number": number,
        "from": Status(from_status).label,
        "to": Status(to_status).label,
    }


@transaction.atomic
def receipt_transition(*, receipt: Receipt, to: str, actor, note: str = "", at=None) -> Receipt:
    """Move one receipt to status ``to``, recording who did it, or raise TransitionError.

    The row is locked first so that two people changing the same receipt are serialised;
    the check runs against the locked, current status, not the caller's possibly stale copy.
    """
    to = Status(to)
    at = at or timezone.now()
    locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
    if not is_allowed(locked.status, to):
        raise TransitionError(_refusal(locked.number, locked.status, to), receipt=locked)
    from_status = locked.status
    locked.status = to
    locked.status_changed_at = at
    update_fields = ["status", "status_changed_at"]
    if to == Status.COLLECTED:
        locked.collected_at = at
        update_fields.append("collected_at")
    elif from_status == Status.COLLECTED:
        locked.collected_at = None
        update_fields.append("collected_at")
    locked.save(update_fields=update_fields)
    ReceiptEvent.objects.create(
        receipt=locked, from_status=from_status, to_status=to, at=at, actor=actor, note=note
    )
    hooks.status_changed(
        hooks.StatusChange(
            receipt_ids=[locked.pk], from_status=from_status, to_status=to, at=at, actor=actor
        )
    )
    if Status.RECORDED in (from_status, to):
        # The receipt left or rejoined the print queue: the queue position on the page of every
        # receipt recorded after it moved. The version row is locked last; a caller may write
        # after this only to rows it already holds (card_mark_spoiled: its card and batch).
        public_version.bump()
    # Keep the caller's object in step with the database.
    receipt.status, receipt.status_changed_at = locked.status, locked.status_changed_at
    receipt.collected_at = locked.collected_at
    return locked


@transaction.atomic
def receipts_transition_bulk(
    *,
    receipt_ids: Iterable[int],
    from_status: str,
    to: str,
    actor,
    note: str = "",
    at=None,
) -> int:
    """Move every listed receipt that is still in ``from_status`` to ``to``; return how many.

    Per chunk of ids (one chunk on PostgreSQL): a ``SELECT … FOR UPDATE`` of the receipts still
    in ``from_status``, in id order (it waits for a concurrent change of the same receipts, and
    two bulk moves lock in the same order, so they cannot deadlock), one conditional UPDATE of
    the locked ones and one bulk INSERT of their events, whatever the number of receipts.
    Receipts that someone else moved meanwhile are not touched (the WHERE clauses exclude
    them); callers that need all-or-nothing compare the returned count and raise. Callers that
    move receipts into or out of ``recorded`` (print runs) call ``public_version.bump()``
    themselves, after their other writes.
    """
    from_status, to = Status(from_status), Status(to)
    if not is_allowed(from_status, to):
        raise TransitionError(_refusal("-", from_status, to))
    ids = list(receipt_ids)
    if not ids:
        return 0
    at = at or timezone.now()
    changes = {"status": to, "status_changed_at": at}
    if to == Status.COLLECTED:
        changes["collected_at"] = at
    count = 0
    moved_all: list[int] = []
    for chunk in _id_chunks(ids):
        moved_ids = list(
            Receipt.objects.select_for_update()
            .filter(pk__in=chunk, status=from_status)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not moved_ids:
            continue
        count += Receipt.objects.filter(pk__in=moved_ids, status=from_status).update(**changes)
        ReceiptEvent.objects.bulk_create(
            [
                ReceiptEvent(
                    receipt_id=pk,
                    from_status=from_status,
                    to_status=to,
                    at=at,
                    actor=actor,
                    note=note,
                )
                for pk in moved_ids
            ]
            # No batch_size: Django sends one INSERT on PostgreSQL and splits by SQLite's
            # variable limit itself, so a run's query count does not grow with its size.
        )
        moved_all.extend(moved_ids)
    # One call for the whole move, so a listener writes its rows in a constant number of queries.
    hooks.status_changed(
        hooks.StatusChange(
            receipt_ids=moved_all, from_status=from_status, to_status=to, at=at, actor=actor
        )
    )
    return count


def _id_chunks(ids: list[int]) -> Iterable[list[int]]:
    """Split an id list for backends that bound query parameters (SQLite); on PostgreSQL it
    is one chunk, so the number of queries of a bulk move does not grow with its size."""
    size = connection.features.max_query_params
    if not size:
        yield ids
        return
    size = max(size - 10, 1)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def receipt_create(
    *,
    resident: Resident,
    number: str,
    recorded_at,
    recorded_place: str,
    actor=None,
    collection_kecamatan=None,
    note: str = "",
) -> Receipt:
    """Create a receipt in status ``recorded`` with its first event.

    The card is collected at the kecamatan of the current domicile unless told otherwise,
    never at the one encoded in the NIK.
    """
    receipt = Receipt.objects.create(
        number=number,
        resident=resident,
        recorded_at=recorded_at,
        recorded_place=recorded_place,
        collection_kecamatan=collection_kecamatan or resident.kelurahan.kecamatan,
        status=Status.RECORDED,
        status_changed_at=recorded_at,
    )
    ReceiptEvent.objects.create(
        receipt=receipt,
        from_status="",
        to_status=Status.RECORDED,
        at=recorded_at,
        actor=actor,
        note=note,
    )
    public_version.bump()  # it joined the queue: receipts recorded after it moved back
    return receipt


# Statuses in which the receipt's card is printed, somewhere between the printer and the
# resident. Its collection office is then fixed: the card travels to the office it was sent
# to, so moving the receipt would send the resident (through /cek/) to an office without it.
CARD_PRINTED_STATUSES = frozenset(
    {Status.PRINTED, Status.DISPATCHED, Status.READY, Status.COLLECTED}
)
_PAUSED_STATUSES = (Status.ON_HOLD, Status.CANCELLED)
_UNCHANGED = object()


def _card_printed(receipt: Receipt) -> bool:
    status = receipt.status
    if status in _PAUSED_STATUSES:
        # Held or cancelled: what counts is where it stood before (a printed card stays printed).
        status = (
            receipt.events.exclude(to_status__in=_PAUSED_STATUSES)
            .order_by("-at", "-pk")
            .values_list("to_status", flat=True)
            .first()
        ) or Status.RECORDED
    return status in CARD_PRINTED_STATUSES


def receipt_details_check(*, receipt: Receipt, changes: dict) -> None:
    """Raise ApplicationError when ``changes`` (field -> new value) may not be made now.

    The recording time orders the print queue: it is fixed once the receipt left
    ``recorded``. The collection kecamatan is fixed once the card is printed.
    """
    new_time = changes.get("recorded_at", _UNCHANGED)
    if (
        new_time is not _UNCHANGED
        and new_time != receipt.recorded_at
        and receipt.status != Status.RECORDED
    ):
        raise ApplicationError(
            _(
                "Waktu rekam tidak bisa diubah: resi sudah berstatus \u201c%(status)s\u201d "
                "dan waktu rekam menentukan urutan antrean cetak."
            )
            % {"status": Status(receipt.status).label},
            "recorded_at_locked",
        )
    new_kecamatan = changes.get("collection_kecamatan", _UNCHANGED)
    if new_kecamatan is not _UNCHANGED:
        new_id = getattr(new_kecamatan, "pk", new_kecamatan)
        if new_id != receipt.collection_kecamatan_id and _card_printed(receipt):
            raise ApplicationError(
                _(
                    "Kecamatan pengambilan tidak bisa diubah: kartunya sudah dicetak untuk "
                    "kecamatan %(kecamatan)s."
                )
                % {"kecamatan": receipt.collection_kecamatan},
                "collection_kecamatan_locked",
            )


@transaction.atomic
def receipt_update_details(
    *,
    receipt: Receipt,
    actor,
    recorded_at=_UNCHANGED,
    recorded_place=_UNCHANGED,
    collection_kecamatan=_UNCHANGED,
) -> list[str]:
    """Change a receipt's recording details (never its status); return the fields changed.

    Refuses a new recording time once the receipt left ``recorded`` and a new collection
    kecamatan once the card is printed (see ``receipt_details_check``). The row is locked so
    that the check reads the status a concurrent print run or dispatch may just have changed.
    The audit log names ``actor``, whoever calls (admin, command or shell).
    """
    locked = (
        Receipt.objects.select_for_update()
        .select_related("collection_kecamatan")
        .get(pk=receipt.pk)
    )
    requested = {
        "recorded_at": recorded_at,
        "recorded_place": recorded_place,
        "collection_kecamatan": collection_kecamatan,
    }
    changes = {
        field: value
        for field, value in requested.items()
        if value is not _UNCHANGED and value != getattr(locked, field)
    }
    if not changes:
        return []
    receipt_details_check(receipt=locked, changes=changes)
    for field, value in changes.items():
        setattr(locked, field, value)
    if "recorded_place" in changes:
        locked.recorded_place = (locked.recorded_place or "").strip()
    fields = sorted(changes)
    with acting_as(actor):
        locked.save(update_fields=fields)
    # The collection office and the queue place are on the public page; the status stamp and
    # the receipt's timeline do not move.
    public_version.bump()
    for field in fields:
        setattr(receipt, field, getattr(locked, field))
    return fields
