"""Reads for the public pages: one receipt's public facts, and the city's progress figures.

Both are shaped for a constant, small number of queries: the lookup costs 2 queries, plus 1 for
the pickup schedule once the card is on its way, plus 2 for a receipt still waiting to be
printed (its queue position, and the precomputed printing figures of distribution.PrintingPlan);
the statistics cost 5 GROUP BY queries, whatever the size of the tables.
"""

import datetime
import functools
import json
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, Q, Subquery
from django.db.models.functions import JSONObject, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language

from disdukcapil.localtime import local_midnight
from distribution import forecast
from distribution.models import HandOver, PickupSchedule, PrintingPlan
from distribution.printing_stats import estimate_inputs
from distribution.selectors import blank_stock_totals
from portal import guidance
from receipts import hours
from receipts.models import HeadOffice, Kecamatan, PublicDataVersion, Receipt, ReceiptEvent, Status
from receipts.numbers import initials, mask_name

# Statuses for which the resident needs the pickup days: the card is on its way or waiting.
SCHEDULE_STATUSES = frozenset({Status.DISPATCHED, Status.READY})
MAX_SCHEDULES = 5
STATS_WEEKS = 12

# The head office's public facts, as one JSON object from a one-row subquery: it rides along
# with the query a lookup makes anyway (the receipt, or the stamp), so showing the office
# costs no query of its own.
_HEAD_OFFICE_FIELDS = (
    "name",
    "address",
    "counter_hours",
    "phone",
    "whatsapp",
    "email",
    "note",
    "note_en",
    "contact_is_placeholder",
)


def _head_office_json():
    return Subquery(
        HeadOffice.objects.filter(pk=HeadOffice.SINGLETON_ID)
        .order_by()
        .values(json=JSONObject(**{name: name for name in _HEAD_OFFICE_FIELDS}))[:1]
    )


@dataclass(frozen=True)
class HeadOfficeView:
    """The Disdukcapil office as a page shows it, in the language of the page."""

    name: str
    address: str
    counter_hours: str
    phone: str
    whatsapp: str
    email: str
    note_id: str
    note_en: str
    is_placeholder: bool

    @classmethod
    def from_json(cls, value) -> "HeadOfficeView | None":
        if value is None:
            return None
        if isinstance(value, str | bytes):
            value = json.loads(value)
        return cls(
            name=value["name"],
            address=value["address"],
            counter_hours=value["counter_hours"],
            phone=value["phone"],
            whatsapp=value["whatsapp"],
            email=value["email"],
            note_id=value["note"],
            note_en=value["note_en"],
            is_placeholder=bool(value["contact_is_placeholder"]),
        )

    @property
    def hours(self) -> str:
        return hours.render(self.counter_hours)

    @property
    def note(self) -> str:
        if get_language() == "en" and self.note_en:
            return self.note_en
        return self.note_id

    @property
    def whatsapp_digits(self) -> str:
        digits = "".join(c for c in self.whatsapp if c.isdigit())
        return "62" + digits[1:] if digits.startswith("0") else digits


def head_office() -> HeadOfficeView | None:
    """For pages that have no lookup query to carry it (/bantuan/, the plain 404 page)."""
    office = HeadOffice.objects.filter(pk=HeadOffice.SINGLETON_ID).values(*_HEAD_OFFICE_FIELDS)
    found = office.first()
    return HeadOfficeView.from_json(found)


@dataclass
class ReceiptLookup:
    """What the public may know about one receipt; never the holder's private data."""

    number: str
    status: str
    status_changed_at: datetime.datetime
    masked_name: str
    holder_initials: str
    kelurahan_name: str
    kecamatan: Kecamatan
    events: list  # [(from_status, to_status, at)]
    head_office: HeadOfficeView | None = None
    schedules: list = field(default_factory=list)
    estimate: forecast.WaitEstimate | None = None

    @property
    def status_label(self):
        return Status(self.status).label

    @property
    def reprint(self) -> bool:
        """The card was misprinted and the receipt waits to be printed again."""
        return bool(self.events) and guidance.is_misprint(*self.events[-1][:2])

    @property
    def situation(self) -> str:
        return guidance.situation(
            status=self.status,
            enough_blanks=self.estimate is None or self.estimate.enough_blanks,
            reprint=self.reprint,
            has_schedule=bool(self.schedules),
        )

    @property
    def guidance(self) -> guidance.Guidance:
        return guidance.GUIDANCE[self.situation]

    @property
    def timeline(self):
        return [
            {
                "status": to_status,
                "label": guidance.MISPRINT_LABEL
                if guidance.is_misprint(from_status, to_status)
                else Status(to_status).label,
                "misprint": guidance.is_misprint(from_status, to_status),
                "at": at,
            }
            for from_status, to_status, at in self.events
        ]

    @property
    def counter_hours(self) -> str:
        return hours.render(self.kecamatan.counter_hours)


class _Number(str):
    """The receipt number's place among the parameters of the compiled stamp query."""


@functools.cache
def _stamp_query() -> tuple[str, tuple]:
    # Anchored on the one version row, so that an unknown number still gets a row back: the
    # version and the head office the not-found page shows, in the same single query.
    receipt = Receipt.objects.filter(number=_Number()).order_by()
    query = (
        PublicDataVersion.objects.filter(pk=PublicDataVersion.SINGLETON_ID)
        .annotate(
            receipt_status=Subquery(receipt.values("status")[:1]),
            receipt_changed_at=Subquery(receipt.values("status_changed_at")[:1]),
            office=_head_office_json(),
        )
        .values_list("receipt_status", "receipt_changed_at", "value", "office")
        .order_by()
    )
    return query.query.sql_with_params()


@dataclass(frozen=True)
class Stamp:
    row: tuple | None  # (status, status_changed_at, version), or None for an unknown number
    head_office: HeadOfficeView | None


def receipt_stamp(*, number: str) -> Stamp | None:
    """The receipt's status, when it last changed and the public data version; None only
    when the version row itself is missing (a flushed database: nothing to validate with).

    One query on the unique index of the number (the version row is the anchor, the head
    office a one-row subquery). It runs on every lookup, so the ORM builds its SQL once per
    process; the row comes back as the database driver gives it, which is all
    portal.lookup_cache compares.
    """
    sql, params = _stamp_query()
    # The database the router reads Receipt from in this request, never a fixed one: the
    # stamp must come from the same database (and so the same point in time) as the body it
    # validates, or a lagging replica's old body would be kept under the primary's new stamp
    # and served until the next change (tests/deploy/test_replica_router.py).
    with connections[router.db_for_read(Receipt)].cursor() as cursor:
        cursor.execute(sql, [number if isinstance(p, _Number) else p for p in params])
        row = cursor.fetchone()
    if row is None:
        return None
    status, changed_at, version, office = row
    return Stamp(
        row=None if status is None else (status, changed_at, version),
        head_office=HeadOfficeView.from_json(office),
    )


def receipt_lookup(*, number: str, with_estimate: bool = True) -> ReceiptLookup | None:
    """Return the public facts of the receipt with the normalised ``number``, or None.

    ``with_estimate=False`` (the API, which has no field for it) skips the two queries of a
    waiting receipt's estimate.
    """
    receipt = (
        Receipt.objects.select_related("resident__kelurahan", "collection_kecamatan")
        .annotate(head_office=_head_office_json())
        .filter(number=number)
        .first()
    )
    if receipt is None:
        return None
    resident = receipt.resident
    result = ReceiptLookup(
        number=receipt.number,
        status=receipt.status,
        status_changed_at=receipt.status_changed_at,
        masked_name=mask_name(resident.full_name),
        holder_initials=initials(resident.full_name),
        kelurahan_name=resident.kelurahan.name,
        kecamatan=receipt.collection_kecamatan,
        head_office=HeadOfficeView.from_json(receipt.head_office),
        events=list(
            ReceiptEvent.objects.filter(receipt_id=receipt.pk)
            .order_by("at", "id")
            .values_list("from_status", "to_status", "at")
        ),
    )
    if receipt.status in SCHEDULE_STATUSES:
        result.schedules = upcoming_schedules(
            kecamatan_id=receipt.collection_kecamatan_id, kelurahan_id=resident.kelurahan_id
        )
    if receipt.status == Status.RECORDED and with_estimate:
        result.estimate = wait_estimate(receipt=receipt)
    return result


def upcoming_schedules(*, kecamatan_id: int, kelurahan_id: int) -> list[PickupSchedule]:
    """The next pickup days at a kecamatan for one kelurahan (or for every kelurahan)."""
    today = timezone.localdate()
    return list(
        PickupSchedule.objects.filter(kecamatan_id=kecamatan_id, date__gte=today)
        .filter(Q(kelurahan_id=kelurahan_id) | Q(kelurahan__isnull=True))
        .order_by("date", "start_time")[:MAX_SCHEDULES]
    )


def queue_position(*, receipt: Receipt) -> int:
    """Where a `recorded` receipt stands in the print queue (1 = next to be printed).

    The count walks the partial index ``receipt_queue_idx`` (recorded_at, number) WHERE
    status = 'recorded', the same order in which print runs take receipts.
    """
    # "recorded_at <= mine" first, as a range on the index's leading column: PostgreSQL then
    # reads only the part of the index ahead of this receipt. Written as one OR of the two
    # cases it filtered the whole queue instead (31 ms vs 17 ms at 100,000 waiting; bench/).
    ahead = Receipt.objects.filter(
        status=Status.RECORDED, recorded_at__lte=receipt.recorded_at
    ).filter(Q(recorded_at__lt=receipt.recorded_at) | Q(number__lt=receipt.number))
    return ahead.count() + 1


def wait_estimate(*, receipt: Receipt) -> forecast.WaitEstimate:
    """The printing estimate of a `recorded` receipt: two queries, whatever the size of the
    tables (its queue position, and the one PrintingPlan row the writers keep current)."""
    position = queue_position(receipt=receipt)
    plan = PrintingPlan.objects.filter(pk=PrintingPlan.SINGLETON_ID).first()
    return forecast.wait_estimate(
        today=timezone.localdate(),
        position=position,
        **estimate_inputs(plan, kecamatan_id=receipt.collection_kecamatan_id),
    )


def week_starts(*, today: datetime.date, weeks: int = STATS_WEEKS) -> list[datetime.date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, the current week last."""
    monday = today - datetime.timedelta(days=today.weekday())
    return [monday - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def public_statistics() -> dict:
    """The city's progress in plain numbers (language-neutral, so it can be cached as is).

    Five GROUP BY/aggregate queries; nothing loops over rows of the big tables.
    """
    blanks = blank_stock_totals()

    kecamatan = list(Kecamatan.objects.order_by("code").values_list("id", "name"))
    counts = {
        (row["collection_kecamatan_id"], row["status"]): row["n"]
        for row in Receipt.objects.order_by()
        .values("collection_kecamatan_id", "status")
        .annotate(n=Count("id"))
    }
    statuses = [s.value for s in Status]
    per_kecamatan = [
        {
            "name": name,
            "counts": [counts.get((pk, code), 0) for code in statuses],
            "total": sum(counts.get((pk, code), 0) for code in statuses),
        }
        for pk, name in kecamatan
    ]

    starts = week_starts(today=timezone.localdate())
    since = local_midnight(starts[0])
    tz = timezone.get_current_timezone()
    recorded = _per_week(
        Receipt.objects.filter(recorded_at__gte=since)
        .order_by()
        .annotate(week=TruncWeek("recorded_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
    )
    handed = _per_week(
        HandOver.objects.filter(handed_at__gte=since, undone_at__isnull=True)
        .order_by()
        .annotate(week=TruncWeek("handed_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
    )
    weekly = [
        {"start": start, "recorded": recorded.get(start, 0), "handed_over": handed.get(start, 0)}
        for start in starts
    ]
    return {
        "blanks": blanks,
        "statuses": statuses,
        "per_kecamatan": per_kecamatan,
        "weekly": weekly,
        "generated_at": timezone.now(),
    }


def _per_week(rows) -> dict[datetime.date, int]:
    result = {}
    for row in rows:
        week = row["week"]
        if isinstance(week, datetime.datetime):
            week = timezone.localtime(week).date() if timezone.is_aware(week) else week.date()
        result[week] = result.get(week, 0) + row["n"]
    return result
