"""Writes for blank stock, printing, dispatch, pickup schedules and hand-overs.

One module per sub-domain; the public names are re-exported here so callers write
``from distribution.services import print_run_create``. Status changes go through
``receipts.services``; reads live in ``distribution.selectors``.

Locking policy (lock in this order when more than one is needed, to avoid deadlocks):
the form's IdempotencyKey row (inserted first, see _claim_key) -> BlankBatch rows (oldest first) -> PrintRun / Dispatch row -> Receipt rows (by id) ->
HandOver row.

The actions that take locks in that order are ``transaction.atomic(durable=True)``: they must
be the outermost transaction (print_run_create, print_run_mark_printed, card_mark_spoiled,
dispatch_create, dispatch_receive, handover_record, handover_undo). Nested in a caller's
transaction, locks the caller took earlier, in its own order, would be held across the action
(two such callers can deadlock), the locks that serialise a double click would be held until
the caller commits, and print_run_create's SKIP LOCKED would pass over receipts the caller
itself holds. blank_batch_receive and pickup_schedule_publish lock nothing and may be nested.
"""

from distribution.services._common import AlreadySubmitted, DistributionError
from distribution.services.dispatch import dispatch_create, dispatch_receive
from distribution.services.handovers import (
    HandOverError,
    describe_handover,
    handover_record,
    handover_undo,
)
from distribution.services.printing import (
    RunPreview,
    card_mark_spoiled,
    print_run_create,
    print_run_mark_printed,
    print_run_preview,
)
from distribution.services.schedules import (
    PickupEntry,
    counter_hours,
    pickup_day_warnings,
    pickup_schedule_cancel,
    pickup_schedule_plan,
    pickup_schedule_publish,
    pickup_schedule_update,
)
from distribution.services.stock import blank_batch_receive

__all__ = [
    "AlreadySubmitted",
    "DistributionError",
    "HandOverError",
    "PickupEntry",
    "RunPreview",
    "blank_batch_receive",
    "card_mark_spoiled",
    "describe_handover",
    "dispatch_create",
    "dispatch_receive",
    "handover_record",
    "handover_undo",
    "counter_hours",
    "pickup_day_warnings",
    "pickup_schedule_cancel",
    "pickup_schedule_plan",
    "pickup_schedule_publish",
    "pickup_schedule_update",
    "print_run_create",
    "print_run_mark_printed",
    "print_run_preview",
]
