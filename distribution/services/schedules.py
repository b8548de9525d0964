"""Pickup schedules: planning and publishing the days a kelurahan collects its cards."""

import copy
import datetime
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from auditlog.receivers import log_create as audit_log_create
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disdukcapil.audit import acting_as
from distribution import hooks
from distribution.models import PickupSchedule
from distribution.services._common import DistributionError
from receipts import public_version
from receipts.models import Kecamatan, Kelurahan, Receipt, Status

logger = logging.getLogger(__name__)

# Kecamatan counters open Monday to Friday. Their hours are the office's own text
# ("Senin–Jumat 08.00–15.00 WITA"); when it names no hours, these are assumed.
COUNTER_WEEKDAYS = frozenset(range(5))
DEFAULT_COUNTER_HOURS = (datetime.time(8), datetime.time(16))
_HOURS_RE = re.compile(r"(\d{1,2})[.:](\d{2})\s*[-–—]\s*(\d{1,2})[.:](\d{2})")


@dataclass(frozen=True)
class PickupEntry:
    """One published pickup day: for a kelurahan (or the whole kecamatan when None)."""

    kelurahan: Kelurahan | None
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    place: str = ""
    note: str = ""


def counter_hours(kecamatan: Kecamatan) -> tuple[datetime.time, datetime.time]:
    """The kecamatan counter's opening and closing time, read from its published hours."""
    match = _HOURS_RE.search(kecamatan.counter_hours or "")
    if match:
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
            return datetime.time(h1, m1), datetime.time(h2, m2)
    return DEFAULT_COUNTER_HOURS


def _check_day(*, kecamatan: Kecamatan, date, start_time, end_time) -> None:
    """Refuse a pickup day the counter cannot hold: past, weekend, outside its hours."""
    if date < timezone.localdate():
        raise DistributionError(_("Tanggal pengambilan tidak boleh sebelum hari ini."))
    if end_time <= start_time:
        raise DistributionError(_("Jam selesai harus setelah jam mulai."))
    if date.weekday() not in COUNTER_WEEKDAYS:
        raise DistributionError(
            _("%(date)s jatuh pada hari Sabtu atau Minggu; loket kecamatan buka Senin–Jumat.")
            % {"date": date.strftime("%d-%m-%Y")},
            "pickup_day_weekend",
        )
    opens, closes = counter_hours(kecamatan)
    if start_time < opens or end_time > closes:
        raise DistributionError(
            _("Jam pengambilan harus di dalam jam loket %(kecamatan)s (%(opens)s–%(closes)s).")
            % {
                "kecamatan": kecamatan,
                "opens": opens.strftime("%H.%M"),
                "closes": closes.strftime("%H.%M"),
            },
            "pickup_day_outside_hours",
        )


def pickup_day_warnings(
    *, kecamatan: Kecamatan, entries: Sequence[PickupEntry], exclude_pk: int | None = None
) -> list[str]:
    """What staff should know before residents are told, without refusing it: a kelurahan that
    already has an upcoming day, and cards for it that are still on their way."""
    warnings = []
    kelurahan = [entry.kelurahan for entry in entries if entry.kelurahan is not None]
    others = PickupSchedule.objects.filter(
        kecamatan=kecamatan, kelurahan__in=kelurahan, date__gte=timezone.localdate()
    ).exclude(pk=exclude_pk)
    dates = {entry.date for entry in entries}
    for kel_id, date in others.values_list("kelurahan_id", "date"):
        if date not in dates:
            name = next(k.name for k in kelurahan if k.pk == kel_id)
            warnings.append(
                _("Kelurahan %(kelurahan)s sudah punya hari pengambilan lain (%(date)s).")
                % {"kelurahan": name, "date": date.strftime("%d-%m-%Y")}
            )
    on_the_way = Receipt.objects.filter(collection_kecamatan=kecamatan, status=Status.DISPATCHED)
    if kelurahan and all(entry.kelurahan is not None for entry in entries):
        on_the_way = on_the_way.filter(resident__kelurahan__in=kelurahan)
    count = on_the_way.count()
    if count:
        warnings.append(
            _(
                "%(count)s kartu untuk hari ini masih dalam pengiriman (belum dikonfirmasi sampai "
                "di kecamatan); pastikan kartu sampai sebelum hari pengambilan."
            )
            % {"count": count}
        )
    return warnings


def _tell_residents_again(schedules: Sequence[PickupSchedule], *, change: str) -> None:
    # Residents who were told these days are told about the change through the listeners of
    # distribution.hooks (the notifications app registers there: it needs an occasion of its
    # own for a changed day, since each occasion is sent once per receipt and channel).
    for schedule in schedules:
        logger.info("pickup day %s %s: residents to be told again", schedule.pk, change)
    hooks.pickup_days_changed(schedules, change)


def pickup_schedule_plan(
    *,
    kelurahan: Sequence[Kelurahan],
    start_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str = "",
    note: str = "",
) -> list[PickupEntry]:
    """Give each kelurahan its own day, in order, from ``start_date``, on counter days."""
    entries = []
    day = start_date
    for kel in kelurahan:
        while day.weekday() not in COUNTER_WEEKDAYS:  # the counters are closed
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
    for entry in entries:
        if entry.kelurahan is not None and entry.kelurahan.kecamatan_id != kecamatan.pk:
            raise DistributionError(
                _("Kelurahan %(kelurahan)s bukan bagian dari kecamatan %(kecamatan)s.")
                % {"kelurahan": entry.kelurahan, "kecamatan": kecamatan}
            )
        _check_day(
            kecamatan=kecamatan,
            date=entry.date,
            start_time=entry.start_time,
            end_time=entry.end_time,
        )
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
                % {"kelurahan": entry.kelurahan, "date": entry.date.strftime("%d-%m-%Y")},
                "pickup_day_taken",
            )
    now = timezone.now()
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
                published_by=actor,
                published_at=now,
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
    hooks.pickup_days_published(schedules)  # e.g. tell the residents whose card is there
    return schedules


@transaction.atomic
def pickup_schedule_update(
    *,
    schedule: PickupSchedule,
    actor,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str,
    note: str = "",
) -> PickupSchedule:
    """Correct a published pickup day; residents who were told are told again."""
    # Lock the row: two staff correcting the same day at once must not interleave.
    locked = (
        PickupSchedule.objects.select_for_update().select_related("kecamatan").get(pk=schedule.pk)
    )
    _check_day(kecamatan=locked.kecamatan, date=date, start_time=start_time, end_time=end_time)
    if not place.strip():
        raise DistributionError(_("Tempat pengambilan wajib diisi."), "pickup_day_no_place")
    if (
        locked.kelurahan_id is not None
        and PickupSchedule.objects.filter(
            kecamatan_id=locked.kecamatan_id, kelurahan_id=locked.kelurahan_id, date=date
        )
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise DistributionError(
            _("Jadwal untuk %(kelurahan)s pada %(date)s sudah ada.")
            % {"kelurahan": locked.kelurahan, "date": date.strftime("%d-%m-%Y")},
            "pickup_day_taken",
        )
    told_before = (locked.date, locked.start_time, locked.end_time, locked.place)
    locked.date, locked.start_time, locked.end_time = date, start_time, end_time
    locked.place, locked.note = place.strip()[:255], note.strip()[:255]
    # save() (not update()) so that django-auditlog records who changed what, from any caller.
    with acting_as(actor):
        locked.save(update_fields=["date", "start_time", "end_time", "place", "note"])
    logger.info("pickup day %s corrected by %s", locked.pk, actor)
    if told_before != (locked.date, locked.start_time, locked.end_time, locked.place):
        # Not for a form sent twice, nor for the note alone (messages do not carry it).
        transaction.on_commit(lambda: _tell_residents_again([locked], change="updated"))
    public_version.bump()
    return locked


@transaction.atomic
def pickup_schedule_cancel(*, schedule: PickupSchedule, actor) -> None:
    """Withdraw a published pickup day; residents who were told are told again."""
    locked = PickupSchedule.objects.select_for_update().filter(pk=schedule.pk).first()
    if locked is None:
        raise DistributionError(_("Jadwal ini sudah dibatalkan."), "pickup_day_gone")
    # The day as it was (locked, so as committed: not the caller's copy, which may be older);
    # delete() clears the instance's pk.
    was = copy.copy(locked)
    # delete() through the model: django-auditlog keeps the deleted day and who deleted it.
    with acting_as(actor):
        locked.delete()
    logger.info("pickup day %s (%s) cancelled by %s", was.pk, was, actor)
    transaction.on_commit(lambda: _tell_residents_again([was], change="cancelled"))
    public_version.bump()
