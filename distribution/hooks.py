"""Distribution's extension point: listeners told when pickup days are published.

The same dependency inversion as receipts/hooks.py (read it for the why): the apps above
(notifications) register in their ``AppConfig.ready``; ``pickup_schedule_publish`` calls the
listeners inside its transaction, so what they write commits with the published days.
"""

from collections.abc import Callable, Sequence

PickupListener = Callable[[Sequence], None]

_listeners: list[PickupListener] = []


def register_pickup_listener(listener: PickupListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def pickup_days_published(schedules: Sequence) -> None:
    """Tell every listener about new PickupSchedule rows. Called only by the services."""
    if not schedules:
        return
    for listener in list(_listeners):
        listener(schedules)


# Corrected or cancelled days: residents who were told the old day are to be told again.
# ``change`` is "updated" or "cancelled" (a cancelled day's row is gone; the listener gets the
# object as it was). Called after the commit, so a listener never sees a day rolled back.
PickupChangeListener = Callable[[Sequence, str], None]

_change_listeners: list[PickupChangeListener] = []


def register_pickup_change_listener(listener: PickupChangeListener) -> None:
    if listener not in _change_listeners:
        _change_listeners.append(listener)


def pickup_days_changed(schedules: Sequence, change: str) -> None:
    """Tell every change listener about corrected or cancelled days. Called by the services."""
    for listener in list(_change_listeners):
        listener(schedules, change)
