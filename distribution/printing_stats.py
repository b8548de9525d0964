"""The printing figures behind the public waiting-time estimate, kept on one row.

A lookup of a waiting receipt must not count cards or sum batches (that was two queries per
lookup, and a rate of "the last 28 days" that one tiny run could define). Instead, every write
that changes printing or stock calls ``printing_stats_refresh()`` in its own transaction, after
its other writes and before ``public_version.bump()``:

    print runs created and printed, misprints, dispatches received, blank batches and holidays
    saved or deleted, the capacity edited (signals for the admin, explicit calls elsewhere).

The refresh recomputes everything from the source rows (no running totals that could drift)
under the row lock of ``PrintingPlan``, taken before it reads: two writers refreshing at once
are serialised, and the second reads what the first committed. Lock order: a writer's own rows
-> the plan row -> the version row (receipts.public_version.bump), the same for every writer.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from disdukcapil.localtime import local_midnight
from distribution import forecast
from distribution.models import BlankBatch, Card, DispatchItem, Holiday, PrintingPlan, PrintRun
from distribution.selectors import blank_stock_totals

# Holidays kept on the row: from the start of the measuring window to this far ahead.
HOLIDAYS_AHEAD_DAYS = 2 * 366
ALL_KECAMATAN = "all"


def printing_plan_lock() -> PrintingPlan:
    """Lock (and if need be create) the plan row; call before the writes a refresh follows
    when the writer takes the version row early (card_mark_spoiled)."""
    plan = PrintingPlan.objects.select_for_update().filter(pk=PrintingPlan.SINGLETON_ID).first()
    if plan is None:
        PrintingPlan.objects.get_or_create(pk=PrintingPlan.SINGLETON_ID)
        plan = PrintingPlan.objects.select_for_update().get(pk=PrintingPlan.SINGLETON_ID)
    return plan


@transaction.atomic
def printing_stats_refresh() -> PrintingPlan:
    """Recompute the plan row's figures from cards, batches, dispatches and holidays."""
    plan = printing_plan_lock()
    today = timezone.localdate()
    since = today - datetime.timedelta(days=forecast.WINDOW_DAYS)
    tz = timezone.get_current_timezone()

    left = blank_stock_totals()["left"]
    # Queued cards live only in runs not yet marked printed (a handful of runs), so the count
    # walks card_run_position_idx of those runs, never the whole card table.
    allocated = Card.objects.filter(
        print_run__state=PrintRun.State.ALLOCATED, outcome=Card.Outcome.QUEUED
    ).count()
    since_at = local_midnight(since)
    printed = (
        Card.objects.filter(outcome=Card.Outcome.PRINTED, printed_at__gte=since_at)
        .order_by()
        .annotate(day=TruncDate("printed_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
    )
    holidays = sorted(
        Holiday.objects.filter(
            date__gte=since, date__lte=today + datetime.timedelta(days=HOLIDAYS_AHEAD_DAYS)
        ).values_list("date", flat=True)
    )
    calendar = {"weekdays": plan.weekdays, "holidays": frozenset(holidays)}
    samples = defaultdict(lambda: defaultdict(int))
    # Only cards printed within the window as well: a box of cards printed years ago and
    # confirmed today (the demo data's story, or a parcel forgotten in a store room) would
    # otherwise tell every waiting resident "ready in about nine years".
    arrivals = (
        DispatchItem.objects.filter(
            arrived=True,
            dispatch__received_at__gte=since_at,
            card__printed_at__gte=since_at,
        )
        .order_by()
        .values(
            kecamatan=F("dispatch__kecamatan_id"),
            received=TruncDate("dispatch__received_at", tzinfo=tz),
            printed=TruncDate("card__printed_at", tzinfo=tz),
        )
        .annotate(n=Count("id"))
    )
    for row in arrivals:
        days = forecast.working_days_between(row["printed"], row["received"], **calendar)
        samples[str(row["kecamatan"])][days] += row["n"]
        samples[ALL_KECAMATAN][days] += row["n"]
    ready_days = {}
    for key, counts in samples.items():
        spread = forecast.quartiles(counts.items())
        if spread is not None:
            ready_days[key] = list(spread)

    values = {
        "blanks_left": left,
        "cards_allocated": allocated,
        "print_days": sorted([row["day"].isoformat(), row["n"]] for row in printed),
        "ready_days": ready_days,
        "holidays": [day.isoformat() for day in holidays],
        "refreshed_at": timezone.now(),
    }
    PrintingPlan.objects.filter(pk=plan.pk).update(**values)
    for name, value in values.items():
        setattr(plan, name, value)
    return plan


def estimate_inputs(plan: PrintingPlan | None, *, kecamatan_id: int) -> dict:
    """The keyword arguments of ``forecast.wait_estimate`` that come from the plan row."""
    if plan is None:  # never refreshed (an empty database): no stock, capacity defaults
        plan = PrintingPlan()
    ready = plan.ready_days.get(str(kecamatan_id)) or plan.ready_days.get(ALL_KECAMATAN)
    return {
        "blanks_left": plan.blanks_left,
        "cards_allocated": plan.cards_allocated,
        "print_days": [(datetime.date.fromisoformat(day), n) for day, n in plan.print_days],
        "capacity_min": plan.cards_per_day_min,
        "capacity_max": plan.cards_per_day_max,
        "weekdays": plan.weekdays,
        "holidays": [datetime.date.fromisoformat(day) for day in plan.holidays],
        "ready_days": tuple(ready) if ready else None,
    }


def _changed(sender, **kwargs):
    if kwargs.get("raw"):  # loaddata: the rows may not be consistent yet
        return
    from receipts import public_version

    printing_stats_refresh()
    public_version.bump()


def connect_signals():
    """Admin edits (and the blank-batch service, which saves one row) refresh the figures."""
    from django.db.models.signals import post_delete, post_save

    for model in (BlankBatch, Holiday, PrintingPlan):
        uid = f"printing_stats:{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + ":delete")
