"""The status service's one extension point: listeners told of every status change.

Why a hook here and not at the distribution services that cause each occasion: a status
change has many doors into ``receipts.services`` (arrival confirmed at the counter, the admin
putting a receipt on hold, a supervisor undoing a hand-over, an import, a later service nobody
has written yet), but only one way through it. A listener registered here sees all of them,
inside the same transaction as the status change, so whatever it writes (a notification row)
commits or rolls back with the change: nothing sent for a change that did not happen, nothing
lost for one that did.

Why not a Django signal: this is a typed, ordered, synchronous call made at a fixed point of
``receipt_transition`` and ``receipts_transition_bulk``, with the ids of every receipt moved
(a bulk move of 20,000 receipts is one call, so a listener can write its rows in a constant
number of queries). It is dependency inversion, not a broadcast: ``receipts`` imports nothing
from the apps above it; they register in their ``AppConfig.ready``.

Contract for listeners:
- called inside the caller's transaction, after the receipts and their events are written;
- must not change ``Receipt.status`` (that is the service's job) and should only write rows of
  their own app; an exception aborts the status change (that is the point: one transaction);
- side effects outside the database (sending, enqueuing) go in ``transaction.on_commit``.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StatusChange:
    """Receipts moved together from one status to another, at one moment, by one actor."""

    receipt_ids: Sequence[int]
    from_status: str
    to_status: str
    at: datetime.datetime
    actor: object = None


StatusListener = Callable[[StatusChange], None]

_listeners: list[StatusListener] = []


def register_status_listener(listener: StatusListener) -> None:
    """Add ``listener`` (once; registering again is a no-op, so ``ready()`` may run twice)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unregister_status_listener(listener: StatusListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def status_changed(change: StatusChange) -> None:
    """Tell every listener, in registration order. Called only by receipts.services."""
    if not change.receipt_ids:
        return
    for listener in list(_listeners):
        listener(change)
