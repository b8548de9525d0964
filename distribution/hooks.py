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
