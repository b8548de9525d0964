"""Pickup schedules: planning and publishing the days a kelurahan collects its cards."""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from auditlog.receivers import log_create as audit_log_create
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution import hooks
from distribution.models import PickupSchedule
from distribution.services._common import DistributionError
from receipts import public_version
from receipts.models import Kecamatan, Kelurahan

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PickupEntry:
    """One published pickup day: for a kelurahan (or the whole kecamatan when None)."""

    kelurahan: Kelurahan | None
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    place: str = ""
    note: str = ""


def pickup_schedule_plan(
    *,
    kelurahan: Sequence[Kelurahan],
    start_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    place: str = "",
    note: str = "",
) -> list[PickupEntry]:
    """Give each kelurahan its own day, in order, from ``start_date``, skipping Sundays."""
    entries = []
    day = start_date
    for kel in kelurahan:
        while day.weekday() == 6:  # Sunday: the counters are closed
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
    today = timezone.localdate()
    for entry in entries:
        if entry.kelurahan is not None and entry.kelurahan.kecamatan_id != kecamatan.pk:
            raise DistributionError(
                _("Kelurahan %(kelurahan)s bukan bagian dari kecamatan %(kecamatan)s.")
                % {"kelurahan": entry.kelurahan, "kecamatan": kecamatan}
            )
        if entry.date < today:
            raise DistributionError(_("Tanggal pengambilan tidak boleh sebelum hari ini."))
        if entry.end_time <= entry.start_time:
            raise DistributionError(_("Jam selesai harus setelah jam mulai."))
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
