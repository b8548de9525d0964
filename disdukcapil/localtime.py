"""Days in the office's time zone (WITA, settings.TIME_ZONE): one definition of midnight.

Days are turned into ranges on timestamp columns (``>= start AND < end``), never into date
casts, so that the indexes on those columns serve them.
"""

import datetime

from django.utils import timezone


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The first instant of ``day`` in the office's time zone, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """``day`` as a half-open range [start, end) of instants in the office's time zone."""
    return local_midnight(day), local_midnight(day + datetime.timedelta(days=1))


def next_local_midnight(now: datetime.datetime | None = None) -> datetime.datetime:
    """The coming midnight in the office's time zone (the end of the working day)."""
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    return local_midnight(today + datetime.timedelta(days=1))
