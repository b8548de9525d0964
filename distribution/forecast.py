"""When will a waiting receipt be printed? A pure function of figures the office already knows.

Nothing here reads the database or the clock: ``wait_estimate`` takes today's date, the queue
position and the precomputed ``PrintingPlan`` figures (distribution.printing_stats keeps them
exact in the transactions that change printing or stock), so a lookup pays no query for it and
tests can pin every case with a frozen date.

The model, in the order a clerk would reason:

1. Blanks first. Every receipt ahead in the queue takes one blank before this one does; if the
   blanks left do not reach this receipt, no date is promised, only how many more blanks are
   needed before its turn.
2. The printing rate: cards per *printing* day over the last ``WINDOW_PRINT_DAYS`` printing days
   of the last ``WINDOW_DAYS`` calendar days (days without printing are ignored, so a month
   without blanks does not make the office look slow). Fewer than ``MIN_PRINT_DAYS`` printing
   days is not a rate: one tiny run of 4 cards says nothing about a press that does 300 a day,
   so the estimate then uses the capacity staff entered (Balikpapan: 300-400 cards a working
   day). With a stable rate, the range spans the rate and the nearest capacity bound.
3. Cards already allocated to a run but not yet printed are printed before this receipt.
4. Working days: the weekdays the office prints, minus the holidays staff entered.
5. From printed to ready at the kecamatan: the typical (quartile) range measured from past
   dispatches to that kecamatan, when there is enough history.

The answer is a range of dates, never a single day, and at least ``MIN_SPREAD_DAYS`` working
days wide: printing is done in runs, not a steady trickle.
"""

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WINDOW_DAYS = 120
WINDOW_PRINT_DAYS = 30
MIN_PRINT_DAYS = 5
MIN_SPREAD_DAYS = 4
# Past this many working days a date means little; the page then says "more than N months".
HORIZON_WORKING_DAYS = 260


class Basis:
    OBSERVED = "observed"  # the measured rate of recent printing days
    CAPACITY_FEW_DAYS = "capacity_few_days"  # some printing lately, too little to be a rate
    CAPACITY_NO_PRINTING = "capacity_no_printing"  # nothing printed within WINDOW_DAYS


@dataclass(frozen=True)
class PrintRate:
    low: int  # cards per working day, the slow end
    high: int  # the fast end
    basis: str
    observed: int | None  # cards per printing day, when measured
    print_days: int  # printing days in the window


@dataclass(frozen=True)
class WaitEstimate:
    position: int  # 1 = next to be printed
    blanks_left: int  # not yet allocated to any card
    blanks_needed: int  # more blanks needed before this receipt's turn; 0 = blanks reach it
    cards_before: int  # cards to print before this one (allocated ones + receipts ahead)
    rate: PrintRate | None
    print_from: datetime.date | None
    print_to: datetime.date | None
    ready_from: datetime.date | None
    ready_to: datetime.date | None
    beyond_horizon: bool = False

    @property
    def enough_blanks(self) -> bool:
        return self.blanks_needed == 0


def print_rate(
    *,
    today: datetime.date,
    print_days: Iterable[tuple[datetime.date, int]],
    capacity_min: int,
    capacity_max: int,
) -> PrintRate:
    """The rate range in cards per working day, and what it is based on."""
    capacity_min = max(1, capacity_min)
    capacity_max = max(capacity_min, capacity_max)
    since = today - datetime.timedelta(days=WINDOW_DAYS)
    recent = sorted(
        ((day, cards) for day, cards in print_days if since < day <= today and cards > 0),
        reverse=True,
    )[:WINDOW_PRINT_DAYS]
    if len(recent) < MIN_PRINT_DAYS:
        basis = Basis.CAPACITY_FEW_DAYS if recent else Basis.CAPACITY_NO_PRINTING
        return PrintRate(capacity_min, capacity_max, basis, None, len(recent))
    observed = max(1, round(sum(cards for _day, cards in recent) / len(recent)))
    # The observed rate is one end; the capacity bound nearest to it is the other, so a slow
    # office is told it is slow and a fast one is not promised more than the press can do.
    low = min(observed, capacity_min)
    high = max(low, min(max(observed, capacity_min), capacity_max))
    return PrintRate(low, high, Basis.OBSERVED, observed, len(recent))


def is_working_day(day: datetime.date, *, weekdays: frozenset[int], holidays: frozenset) -> bool:
    return day.isoweekday() in weekdays and day not in holidays


def add_working_days(
    start: datetime.date, n: int, *, weekdays: frozenset[int], holidays: frozenset
) -> datetime.date:
    """The n-th working day after ``start`` (n >= 1); ``start`` itself is never counted.

    Whole weeks at once rather than day by day: a waiting receipt's estimate asks for a few
    hundred working days, which cost a day-by-day walk ~0.7 ms per lookup (the `recorded`
    tenth of the public traffic, bench/profile_lookup.py). Any 7 days in a row hold each
    weekday once, so jump (n - 1) // len(weekdays) weeks, step to the n-th working weekday,
    then go on for as many working days as holidays fell on working weekdays on the way.
    Exact: tests/distribution/test_forecast.py compares it with the day-by-day walk.
    """
    if not weekdays:
        raise ValueError("no working weekdays")
    per_week = len(weekdays)
    day = start
    while n > 0:
        weeks, left = divmod(n - 1, per_week)
        end = day + datetime.timedelta(days=7 * weeks)
        left += 1
        while left:
            end += datetime.timedelta(days=1)
            if end.isoweekday() in weekdays:
                left -= 1
        n = sum(1 for h in holidays if day < h <= end and h.isoweekday() in weekdays)
        day = end
    return day


def wait_estimate(
    *,
    today: datetime.date,
    position: int,
    blanks_left: int,
    cards_allocated: int,
    print_days: Iterable[tuple[datetime.date, int]],
    capacity_min: int,
    capacity_max: int,
    weekdays: Iterable[int],
    holidays: Iterable[datetime.date],
    ready_days: Sequence[int] | None,
) -> WaitEstimate:
    """The estimate for the receipt at ``position`` of the print queue (see module docstring).

    ``blanks_left``: blanks not yet allocated (the receipts ahead in the queue take theirs
    first); ``cards_allocated``: cards in runs not yet printed; ``print_days``: (date, cards
    printed) of past printing days; ``ready_days``: (low, high) working days from printed to
    ready at the receipt's kecamatan, or None when there is too little history.
    """
    position = max(1, position)
    blanks_needed = max(0, position - max(0, blanks_left))
    cards_before = max(0, cards_allocated) + position - 1
    if blanks_needed:
        return WaitEstimate(position, blanks_left, blanks_needed, cards_before, None, *[None] * 4)
    rate = print_rate(
        today=today, print_days=print_days, capacity_min=capacity_min, capacity_max=capacity_max
    )
    work = cards_before + 1
    fast = max(1, math.ceil(work / rate.high))
    slow = max(fast + MIN_SPREAD_DAYS, math.ceil(work / rate.low))
    if slow > HORIZON_WORKING_DAYS:
        return WaitEstimate(
            position, blanks_left, 0, cards_before, rate, None, None, None, None, True
        )
    weekday_set = frozenset(weekdays)
    holiday_set = frozenset(holidays)
    calendar = {"weekdays": weekday_set, "holidays": holiday_set}
    print_from = add_working_days(today, fast, **calendar)
    print_to = add_working_days(today, slow, **calendar)
    ready_from = ready_to = None
    if ready_days:
        low, high = ready_days
        ready_from = add_working_days(print_from, max(1, low), **calendar)
        ready_to = add_working_days(print_to, max(1, low, high), **calendar)
    return WaitEstimate(
        position, blanks_left, 0, cards_before, rate, print_from, print_to, ready_from, ready_to
    )


def quartiles(samples: Iterable[tuple[int, int]]) -> tuple[int, int] | None:
    """The lower and upper quartile of weighted samples (value, count), or None if too few.

    Used for the working days from printed to ready: the middle half of past cards, so one
    lost parcel or one same-day delivery does not set what residents are told.
    """
    pairs = sorted((value, count) for value, count in samples if count > 0)
    total = sum(count for _value, count in pairs)
    if total < MIN_READY_SAMPLES:
        return None

    def at(fraction):
        threshold, seen = fraction * total, 0
        for value, count in pairs:
            seen += count
            if seen >= threshold:
                return value
        return pairs[-1][0]

    return at(0.25), at(0.75)


# Fewer cards than this made it to a kecamatan lately: no printed-to-ready figure for it.
MIN_READY_SAMPLES = 10


def working_days_between(
    start: datetime.date, end: datetime.date, *, weekdays: frozenset[int], holidays: frozenset
) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    days, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day, weekdays=weekdays, holidays=holidays):
            days += 1
    return days
