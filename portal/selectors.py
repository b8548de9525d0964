"""Reads for the public pages: one receipt's public facts, and the city's progress figures.

Both are shaped for a constant, small number of queries. A lookup is one SQL statement for
every status (``receipt_lookup``): raw SQL built once per backend, returning plain values
(the timeline and pickup days aggregated in the database, the queue position from the day
counts of receipts/queue_days.py, the PrintingPlan row for a waiting receipt), so a request
compiles no ORM query and builds no model instance but the plan row; on PostgreSQL it is a
prepared statement, planned once per connection (disdukcapil/prepared.py). A kept body is checked
with ``receipt_stamp``, one statement too. The statistics cost 5 GROUP BY queries, whatever
the size of the tables.
"""

import datetime
import functools
import json
import re
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, Subquery
from django.db.models.functions import JSONObject, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language

from disdukcapil import prepared
from disdukcapil.localtime import local_midnight
from distribution import forecast
from distribution.models import HandOver, PrintingPlan
from distribution.printing_stats import estimate_inputs
from distribution.selectors import blank_stock_totals
from portal import guidance
from receipts import hours
from receipts.models import HeadOffice, Kecamatan, PublicDataVersion, Receipt, Status
from receipts.numbers import initials, mask_name
from receipts.queue_days import position_sql as queue_position_sql

# Statuses for which the resident needs the pickup days: the card is on its way or waiting.
SCHEDULE_STATUSES = frozenset({Status.DISPATCHED, Status.READY})
# Statuses whose page sends the resident to the head office (portal.guidance, Office.HEAD); the
# not-found page shows it too. For the rest the lookup reads no head office row.
HEAD_OFFICE_STATUSES = frozenset({Status.ON_HOLD})
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


@dataclass(frozen=True)
class KecamatanView:
    """The collection office as the result page and the API show it (the Kecamatan's
    attribute names, read from the lookup's one row instead of a model instance)."""

    id: int
    code: str
    name: str
    slug: str
    address: str
    counter_hours: str
    phone: str
    contact_is_placeholder: bool

    @property
    def pk(self) -> int:
        return self.id

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class ScheduleView:
    """One upcoming pickup day (PickupSchedule's attribute names)."""

    id: int
    kecamatan_id: int
    kelurahan_id: int | None
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    place: str
    note: str
    note_en: str


@dataclass
class ReceiptLookup:
    """What the public may know about one receipt; never the holder's private data."""

    number: str
    status: str
    status_changed_at: datetime.datetime
    masked_name: str
    holder_initials: str
    kelurahan_name: str
    kecamatan: KecamatanView
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
        steps = [(guidance.timeline_step(f, t), t, at) for f, t, at in self.events]
        return [
            {"status": to_status, "label": label, "misprint": misprint, "at": at}
            for (label, misprint), to_status, at in steps
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


def _read_connection():
    # The database the router reads Receipt from in this request, never a fixed one: the
    # stamp must come from the same database (and so the same point in time) as the body it
    # validates, or a lagging replica's old body would be kept under the primary's new stamp
    # and served until the next change (tests/deploy/test_replica_router.py).
    return connections[router.db_for_read(Receipt)]


def receipt_stamp(*, number: str) -> Stamp | None:
    """The receipt's status, when it last changed and the public data version; None only
    when the version row itself is missing (a flushed database: nothing to validate with).

    One query on the unique index of the number (the version row is the anchor, the head
    office a one-row subquery): what a lookup with a kept body runs to validate it. The ORM
    builds its SQL once per process; the row comes back as the database driver gives it,
    which is all portal.lookup_cache compares (with the stamp ``receipt_lookup`` returns).
    """
    sql, params = _stamp_query()
    connection = _read_connection()
    with connection.cursor() as cursor:
        values = [number if isinstance(p, _Number) else p for p in params]
        prepared.execute(connection, cursor, "ektp_receipt_stamp", sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    status, changed_at, version, office = row
    return Stamp(
        row=None if status is None else (status, changed_at, version),
        head_office=HeadOfficeView.from_json(office),
    )


# The one statement of a lookup, per backend. Anchored on a constant row so that every
# number gets exactly one row back: for an unknown one, the version and the head office the
# not-found page shows. Everything else is a LEFT JOIN on a primary or unique key, plus
# correlated subqueries that run only when their CASE needs them: the timeline (aggregated
# in the database, on receiptevent_timeline_idx), the pickup days (dispatched, ready) and
# the queue position (recorded; receipts/queue_days.py), and the PrintingPlan row joined
# only for a waiting receipt, the head office only for an unknown number or a receipt on hold
# (a join on a key computed by CASE, so that for the others no index is even read). %(name)s placeholders become positional once, at first use.
_EVENTS = {
    "postgresql": "(SELECT json_agg(json_build_array(e.from_status, e.to_status, e.at, e.id)"
    " ORDER BY e.at, e.id) FROM receipts_receiptevent e WHERE e.receipt_id = r.id)",
    # json_group_array has no ORDER BY before SQLite 3.44: sorted in Python (_events).
    "sqlite": "(SELECT json_group_array(json_array(e.from_status, e.to_status, e.at, e.id))"
    " FROM receipts_receiptevent e WHERE e.receipt_id = r.id)",
}
_SCHEDULE_COLUMNS = (
    "s.id, s.kecamatan_id, s.kelurahan_id, s.date, s.start_time, s.end_time, s.place, "
    "s.note, s.note_en"
)
_SCHEDULES = {
    "postgresql": "(SELECT json_agg(json_build_array({columns}) ORDER BY s.date, s.start_time)",
    "sqlite": "(SELECT json_group_array(json_array({columns}))",
}
_LOOKUP_SQL = """
SELECT v.value, r.status, r.status_changed_at,
    ho.id, ho.name, ho.address, ho.counter_hours, ho.phone, ho.whatsapp, ho.email, ho.note,
    ho.note_en, ho.contact_is_placeholder,
    r.id, r.number, p.full_name, kl.name,
    k.id, k.code, k.name, k.slug, k.address, k.counter_hours, k.phone,
    k.contact_is_placeholder,
    {events},
    CASE WHEN r.status IN ({schedule_statuses}) THEN {schedules} FROM (
        SELECT {schedule_columns} FROM distribution_pickupschedule s
        WHERE s.kecamatan_id = r.collection_kecamatan_id AND s.date >= %(today)s
          AND (s.kelurahan_id = p.kelurahan_id OR s.kelurahan_id IS NULL)
        ORDER BY s.date, s.start_time LIMIT {max_schedules}) s) END,
    CASE WHEN r.status = 'recorded' AND {estimate} THEN {position} END,
    pl.id, pl.blanks_left, pl.cards_allocated, pl.print_days, pl.ready_days, pl.holidays,
    pl.cards_per_day_min, pl.cards_per_day_max, pl.working_weekdays
FROM (SELECT 1 AS one) anchor
LEFT JOIN receipts_receipt r ON r.number = %(number)s
LEFT JOIN receipts_resident p ON p.id = r.resident_id
LEFT JOIN receipts_kelurahan kl ON kl.id = p.kelurahan_id
LEFT JOIN receipts_kecamatan k ON k.id = r.collection_kecamatan_id
LEFT JOIN receipts_publicdataversion v ON v.id = {version_id}
LEFT JOIN receipts_headoffice ho
    ON ho.id = CASE WHEN r.status IS NULL OR r.status IN ({head_office_statuses})
        THEN {office_id} END
LEFT JOIN distribution_printingplan pl
    ON pl.id = CASE WHEN r.status = 'recorded' AND {estimate} THEN {plan_id} END
"""


# Two statements, the page's and the API's (without the queue position and the plan row), rather
# than one with the choice as a parameter: PostgreSQL keeps a prepared statement's generic plan
# only when it costs no more than the custom plans it has made, and a custom plan for "no
# estimate" prunes the position subquery and the plan join, so for the API it planned the
# statement anew on every execution (400 of 400 custom plans, 0.92 ms against 0.58 ms per
# lookup at 1,000,000 receipts; tests/portal/test_lookup_prepared.py).
LOOKUP_STATEMENTS = {True: "ektp_receipt_lookup", False: "ektp_receipt_lookup_api"}


@functools.cache
def _lookup_query(vendor: str, with_estimate: bool) -> tuple[str, tuple[str, ...]]:
    sql = _LOOKUP_SQL.format(
        estimate="TRUE" if with_estimate else "FALSE",
        events=_EVENTS[vendor],
        schedules=_SCHEDULES[vendor].format(columns=_SCHEDULE_COLUMNS.replace("s.", "")),
        schedule_columns=_SCHEDULE_COLUMNS,
        schedule_statuses=", ".join(f"'{s.value}'" for s in sorted(SCHEDULE_STATUSES)),
        max_schedules=MAX_SCHEDULES,
        position=queue_position_sql(vendor, "r"),
        version_id=int(PublicDataVersion.SINGLETON_ID),
        office_id=int(HeadOffice.SINGLETON_ID),
        head_office_statuses=", ".join(f"'{s.value}'" for s in sorted(HEAD_OFFICE_STATUSES)),
        plan_id=int(PrintingPlan.SINGLETON_ID),
    )
    names = tuple(re.findall(r"%\((\w+)\)s", sql))
    return re.sub(r"%\((\w+)\)s", "%s", sql), names


@dataclass(frozen=True)
class LookupAnswer:
    """The one statement's answer: the receipt's public facts (None for an unknown number),
    the head office (for the not-found page) and the stamp they were read with
    ((status, status_changed_at, version) as receipt_stamp gives it; None when there is no
    version row or no receipt, so nothing to keep a body under)."""

    receipt: ReceiptLookup | None
    head_office: HeadOfficeView | None
    stamp_row: tuple | None


def receipt_lookup(*, number: str, with_estimate: bool = True) -> LookupAnswer:
    """Read the public facts of the receipt with the normalised ``number``: one statement,
    whatever the status (``with_estimate=False``, the API's, leaves out the queue position
    and the plan row, which it has no field for)."""
    connection = _read_connection()
    sql, names = _lookup_query(connection.vendor, with_estimate)
    values = {"number": number, "today": timezone.localdate().isoformat()}
    with connection.cursor() as cursor:
        params = [values[name] for name in names]
        name = LOOKUP_STATEMENTS[with_estimate]
        prepared.execute(connection, cursor, name, sql, params)
        row = cursor.fetchone()
    (version, status, changed_at, office_id, *office), rest = row[:13], row[13:]
    head_office = None
    if office_id is not None:
        head_office = HeadOfficeView(*office[:8], is_placeholder=bool(office[8]))
    if status is None:
        return LookupAnswer(receipt=None, head_office=head_office, stamp_row=None)
    (_id, receipt_number, full_name, kelurahan_name), rest = rest[:4], rest[4:]
    (k_id, k_code, k_name, k_slug, k_address, k_hours, k_phone, k_placeholder) = rest[:8]
    events, schedules, position, plan_id, *plan = rest[8:]
    result = ReceiptLookup(
        number=receipt_number,
        status=status,
        status_changed_at=changed_at,
        masked_name=mask_name(full_name),
        holder_initials=initials(full_name),
        kelurahan_name=kelurahan_name,
        kecamatan=KecamatanView(
            k_id, k_code, k_name, k_slug, k_address, k_hours, k_phone, bool(k_placeholder)
        ),
        head_office=head_office,
        events=_events(events),
        schedules=_schedules(schedules),
    )
    if status == Status.RECORDED and with_estimate:
        result.estimate = forecast.wait_estimate(
            today=timezone.localdate(),
            position=position,
            **estimate_inputs(_plan(plan_id, plan), kecamatan_id=k_id),
        )
    return LookupAnswer(
        receipt=result,
        head_office=head_office,
        stamp_row=None if version is None else (status, changed_at, version),
    )


def _json(value):
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str | bytes) else value


def _moment(text: str) -> datetime.datetime:
    at = datetime.datetime.fromisoformat(text)
    # SQLite keeps datetimes as naive UTC text; PostgreSQL writes the offset.
    return at if at.tzinfo is not None else at.replace(tzinfo=datetime.UTC)


def _events(value) -> list[tuple[str, str, datetime.datetime]]:
    rows = [
        (from_status, to_status, _moment(at), pk) for from_status, to_status, at, pk in _json(value)
    ]
    rows.sort(key=lambda event: (event[2], event[3]))
    return [row[:3] for row in rows]


def _schedules(value) -> list[ScheduleView]:
    schedules = [
        ScheduleView(
            id=pk,
            kecamatan_id=kecamatan_id,
            kelurahan_id=kelurahan_id,
            date=datetime.date.fromisoformat(day),
            start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end),
            place=place,
            note=note,
            note_en=note_en,
        )
        for pk, kecamatan_id, kelurahan_id, day, start, end, place, note, note_en in _json(value)
    ]
    schedules.sort(key=lambda s: (s.date, s.start_time))
    return schedules


def _plan(plan_id, values) -> PrintingPlan | None:
    if plan_id is None:
        return None
    blanks_left, allocated, print_days, ready_days, holidays, low, high, weekdays = values
    return PrintingPlan(
        pk=plan_id,
        blanks_left=blanks_left,
        cards_allocated=allocated,
        print_days=_json(print_days),
        ready_days=_json(ready_days) or {},
        holidays=_json(holidays),
        cards_per_day_min=low,
        cards_per_day_max=high,
        working_weekdays=weekdays,
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
