"""Quiet hours: nothing is sent between 21:00 and 06:00 WITA (settings NOTIFY_QUIET_*)."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone

WITA = zoneinfo.ZoneInfo("Asia/Makassar")


def _bounds() -> tuple[datetime.time, datetime.time]:
    return settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END


def is_quiet(at: datetime.datetime | None = None) -> bool:
    """True if ``at`` (default: now) falls in the quiet hours, in Balikpapan's time."""
    local = (at or timezone.now()).astimezone(WITA).time()
    start, end = _bounds()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def next_allowed(at: datetime.datetime | None = None) -> datetime.datetime:
    """``at`` itself outside quiet hours, else the morning when they end."""
    at = at or timezone.now()
    if not is_quiet(at):
        return at
    local = at.astimezone(WITA)
    _start, end = _bounds()
    morning = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if morning <= local:
        morning += datetime.timedelta(days=1)
    return morning
