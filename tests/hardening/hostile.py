"""Shared pieces of the hostile-input suites: strategies, a row-count snapshot, the verdict.

Each example runs inside a savepoint that is rolled back, so one accepted example (a valid
hand-over, say) does not change what the next one sees, and the suites stay independent.
"""

import contextlib
import os

from auditlog.models import LogEntry
from django.contrib.messages import constants, get_messages
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from distribution.models import (
    BlankBatch,
    Card,
    Dispatch,
    DispatchItem,
    HandOver,
    PickupSchedule,
    PrintRun,
)
from receipts.models import Receipt, ReceiptEvent, Resident

# The budget. Every run of ``make test`` and .ci/run gives each hostile test a quarter of its
# full example count, derandomized (hypothesis profile "fixed", tests/conftest.py): the same
# examples every run, so a failure is reproducible. The full counts with fresh random examples
# every run (failures kept in .hypothesis/ and tried first next time): HYPOTHESIS_PROFILE=
# hostile-full, i.e. ``make test-hostile``. At full counts the suites took ~350 s (load 7-12,
# 2 cores); at a quarter ~100 s. ``make test-fast`` leaves them out (marker ``slow``).
FULL = os.environ.get("HYPOTHESIS_PROFILE") == "hostile-full"


def budget(full: int) -> int:
    """Examples for a hostile test whose full run is ``full`` examples."""
    return full if FULL else max(5, full // 4)


HOSTILE_SETTINGS = settings(
    max_examples=budget(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

INJECTION = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "1; DROP TABLE receipts_receipt; --",
    "%' OR 1=1 --",
    "1 UNION SELECT nik, full_name FROM receipts_resident",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "{% debug %}",
    "\x00",
    "SITI\x00",
    "\r\nSet-Cookie: x=1",
    "A" * 5000,
    "",
    " ",
    "NULL",
    "[]",
]

# Any text (NUL, control characters, astral planes, very long), or a known injection string.
hostile_text = st.one_of(st.sampled_from(INJECTION), st.text(max_size=300))

hostile_number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "-1", "1e9", "1.5", "0x10", "١٢", "999999999999999999999", "NaN"]),
    hostile_text,
)

hostile_date = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["2017-02-30", "9999-12-31", "0000-00-00", "2017-13-01", "31/12/2017", "tomorrow"]
    ),
    hostile_text,
)

hostile_time = st.one_of(
    st.times().map(lambda t: t.isoformat()),
    st.sampled_from(["25:00", "-1:00", "08:60", "8", "24:00:00"]),
    hostile_text,
)

ACCEPTABLE = {200, 302, 400, 403, 404, 405, 409, 413, 414}


def snapshot() -> dict:
    """Row counts and the state columns an accepted write would change."""
    return {
        "receipts": Receipt.objects.count(),
        "receipt_statuses": sorted(Receipt.objects.values_list("pk", "status")),
        "events": ReceiptEvent.objects.count(),
        "residents": Resident.objects.count(),
        "handovers": HandOver.objects.count(),
        "handovers_undone": HandOver.objects.filter(undone_at__isnull=False).count(),
        "cards": sorted(Card.objects.values_list("pk", "outcome")),
        "print_runs": sorted(PrintRun.objects.values_list("pk", "state")),
        "dispatches": sorted(Dispatch.objects.values_list("pk", "state")),
        "dispatch_items": sorted(DispatchItem.objects.values_list("pk", "arrived")),
        "batches": sorted(BlankBatch.objects.values_list("pk", "used", "spoiled")),
        "schedules": PickupSchedule.objects.count(),
        "log_entries": LogEntry.objects.count(),
    }


def refused_with_message(response, level=constants.ERROR) -> bool:
    """Whether this request (not an earlier one still in the cookie) added an error message."""
    storage = get_messages(response.wsgi_request)
    return any(m.level >= level for m in storage._queued_messages)


@contextlib.contextmanager
def rolled_back():
    """Run one example in a savepoint and undo whatever it wrote."""
    savepoint = transaction.atomic()
    # A test's own savepoint, like TestCase's: the services that must be the outermost
    # transaction (atomic(durable=True)) treat it as the test harness, not as a caller.
    savepoint._from_testcase = True
    with savepoint:
        yield
        transaction.set_rollback(True)


def assert_clean(response, before, *, accepted=False, refusal_level=constants.ERROR) -> bool:
    """No 5xx; a refusal (4xx, a form shown again, a redirect with an error) wrote nothing.

    ``accepted`` is true when the caller knows the input was valid and may have written.
    ``refusal_level``: the admin refuses an invalid action form with a WARNING message.
    Returns whether the answer was a refusal.
    """
    status = response.status_code
    assert status < 500, status
    assert status in ACCEPTABLE, status
    refused = status != 302 or refused_with_message(response, refusal_level)
    if refused and not accepted:
        assert snapshot() == before, ("refused, yet something was written", status)
    return refused
