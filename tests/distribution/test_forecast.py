"""The waiting-time estimate as a pure function (distribution/forecast.py): dates, not weeks.

Every case has a fixed "today" (Wednesday 2 December 2026), Monday-Friday printing and the
Christmas holidays, so each expected date can be checked by hand on a calendar.
"""

import datetime

import pytest

from distribution import forecast
from distribution.forecast import Basis

TODAY = datetime.date(2026, 12, 2)  # a Wednesday
WEEKDAYS = {1, 2, 3, 4, 5}
HOLIDAYS = [datetime.date(2026, 12, 24), datetime.date(2026, 12, 25)]


def day(d):
    return datetime.date(2026, 12, d)


def steady(cards=320, days=20):
    """An office that printed ``cards`` cards on each of the last ``days`` working days."""
    result, current = [], TODAY
    while len(result) < days:
        current -= datetime.timedelta(days=1)
        if current.isoweekday() in WEEKDAYS:
            result.append((current, cards))
    return result


def estimate(**overrides):
    arguments = {
        "today": TODAY,
        "position": 800,
        "blanks_left": 5000,
        "cards_allocated": 0,
        "print_days": steady(),
        "capacity_min": 300,
        "capacity_max": 400,
        "weekdays": WEEKDAYS,
        "holidays": HOLIDAYS,
        "ready_days": None,
    }
    arguments.update(overrides)
    return forecast.wait_estimate(**arguments)


def test_a_steady_office_gives_a_range_of_working_days_from_its_observed_rate():
    result = estimate()
    assert result.rate.basis == Basis.OBSERVED
    assert (result.rate.observed, result.rate.low, result.rate.high) == (320, 300, 320)
    # 800 cards at 320 a day: the 3rd working day (Mon 7 Dec); at 300 a day also 3 days, so
    # the range is widened to 3 + 4 working days (Fri 11 Dec).
    assert (result.print_from, result.print_to) == (day(7), day(11))
    assert result.enough_blanks and result.blanks_needed == 0


def test_one_tiny_run_does_not_define_the_rate():
    """Issue 17: one run of 4 cards made the page say "about 800 weeks" (fifteen years)."""
    result = estimate(print_days=[(TODAY - datetime.timedelta(days=1), 4)])
    assert result.rate.basis == Basis.CAPACITY_FEW_DAYS
    assert (result.rate.low, result.rate.high) == (300, 400)
    # 800 / 400 -> 2 working days (Fri 4 Dec); 800 / 300 -> 3, widened to 2 + 4 (Thu 10 Dec).
    assert (result.print_from, result.print_to) == (day(4), day(10))


def test_no_printing_for_months_falls_back_to_the_capacity_staff_entered():
    long_ago = [(TODAY - datetime.timedelta(days=200 + n), 350) for n in range(30)]
    result = estimate(print_days=long_ago)
    assert result.rate.basis == Basis.CAPACITY_NO_PRINTING
    assert result.rate.print_days == 0
    assert (result.print_from, result.print_to) == (day(4), day(10))


def test_days_without_printing_do_not_lower_the_rate():
    # Ten printing days of 300 cards spread over the last three months, weeks without
    # blanks in between: the rate is still 300 a printing day, not 300 / 60 working days.
    sparse = [(TODAY - datetime.timedelta(days=9 * n + 1), 300) for n in range(10)]
    result = estimate(print_days=sparse)
    assert result.rate.basis == Basis.OBSERVED
    assert result.rate.observed == 300


def test_a_slow_office_is_told_it_is_slow():
    result = estimate(print_days=steady(cards=100))
    assert (result.rate.low, result.rate.high) == (100, 300)
    # 800 / 300 -> 3 working days (Mon 7 Dec); 800 / 100 -> 8 working days (Mon 14 Dec).
    assert (result.print_from, result.print_to) == (day(7), day(14))


def test_holidays_and_weekends_are_skipped():
    result = estimate(
        today=day(22), print_days=[], position=300, blanks_left=300, ready_days=(2, 5)
    )
    # Tue 22 Dec: 1 working day -> Wed 23; the range ends 1 + 4 working days later, skipping
    # the holidays 24 and 25 Dec and the weekend: 28, 29, 30, 31 Dec.
    assert (result.print_from, result.print_to) == (day(23), day(31))
    # Ready at the kecamatan 2 to 5 working days after printing (28, 29 Dec; 1 ... 7 Jan).
    assert result.ready_from == day(29)
    assert result.ready_to == datetime.date(2027, 1, 7)


def test_stock_short_by_one_promises_no_date():
    result = estimate(position=800, blanks_left=799)
    assert not result.enough_blanks
    assert result.blanks_needed == 1
    assert result.print_from is result.print_to is None
    assert result.rate is None


def test_a_new_batch_received_turns_the_shortage_into_dates():
    before = estimate(position=800, blanks_left=120)
    after = estimate(position=800, blanks_left=120 + 1000)
    assert before.blanks_needed == 680
    assert after.enough_blanks
    assert (after.print_from, after.print_to) == (day(7), day(11))


def test_cards_already_allocated_are_printed_first():
    result = estimate(position=1, cards_allocated=1200)
    assert result.cards_before == 1200
    # 1201 cards at 320 a day: 4 working days (Tue 8 Dec); at 300 a day 5 (Wed 9 Dec), then
    # widened to 4 + 4 working days (Mon 14 Dec).
    assert (result.print_from, result.print_to) == (day(8), day(14))


def test_the_first_in_line_is_printed_on_a_coming_working_day():
    result = estimate(position=1, today=day(4))  # a Friday
    assert result.print_from == day(7)


def test_a_queue_beyond_a_year_gives_no_date():
    result = estimate(position=200_000, blanks_left=300_000, print_days=steady(cards=100))
    assert result.beyond_horizon
    assert result.print_from is None


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([(3, 12)], (3, 3)),
        ([(1, 5), (2, 10), (4, 5), (30, 1)], (2, 4)),  # one lost parcel does not set it
        ([(2, 9)], None),  # too few cards to say anything
    ],
)
def test_printed_to_ready_is_the_middle_half_of_past_cards(samples, expected):
    assert forecast.quartiles(samples) == expected


def test_working_days_between_counts_neither_weekends_nor_holidays():
    calendar = {"weekdays": frozenset(WEEKDAYS), "holidays": frozenset(HOLIDAYS)}
    assert forecast.working_days_between(day(23), day(28), **calendar) == 1
    assert forecast.working_days_between(day(7), day(7), **calendar) == 0


def _walk(start, n, *, weekdays, holidays):
    """The n-th working day after start, one day at a time: the definition."""
    day = start
    while n > 0:
        day += datetime.timedelta(days=1)
        if day.isoweekday() in weekdays and day not in holidays:
            n -= 1
    return day


@pytest.mark.parametrize(
    "weekdays",
    [{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 6}, {3}, {1, 2, 3, 4, 5, 6, 7}, {2, 6}],
    ids=["mon-fri", "mon-sat", "wed-only", "every-day", "tue-sat"],
)
def test_add_working_days_is_the_day_by_day_walk(weekdays):
    """The week-jumping add_working_days lands on the same day as walking day by day, over
    holidays on weekdays and weekends, in clusters, at the start and at the end of a range."""
    import random

    rng = random.Random(2018)
    base = datetime.date(2026, 12, 3)
    clustered = {base + datetime.timedelta(days=d) for d in range(1, 12)}  # a holiday fortnight
    scattered = {base + datetime.timedelta(days=rng.randrange(700)) for _ in range(40)}
    weekdays = frozenset(weekdays)
    for holidays in (frozenset(), frozenset(clustered), frozenset(scattered | clustered)):
        for start_offset in range(0, 15):
            start = base + datetime.timedelta(days=start_offset)
            for n in [*range(0, 30), 57, 100, 250, 365, 499]:
                expected = _walk(start, n, weekdays=weekdays, holidays=holidays)
                got = forecast.add_working_days(start, n, weekdays=weekdays, holidays=holidays)
                assert got == expected, (start, n, sorted(weekdays), len(holidays))
