"""Query plans at a realistic size: the lookup and the admin use indexes, never a Seq Scan.

50,000 receipts (and their ~230,000 events) are inserted with the benchmark's set-based SQL
and ANALYZEd, so the planner sees a table big enough that a sequential scan would be a real
choice, as at city scale. The planner is not forced (no ``enable_seqscan = off``).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.seed_scale import seed
from receipts.models import Receipt
from tests.shared_data import shared_data

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db]

SIZE = 50_000


@pytest.fixture(scope="module")
def _city(django_db_setup, django_db_blocker):
    """The 50,000 receipts, built once for the module: building them is most of its time."""
    build = lambda: seed(SIZE, verbose=False, vacuum=False, rebuild_constraints=False)  # noqa: E731
    with shared_data(django_db_blocker, build):
        yield


@pytest.fixture
def city_scale_receipts(_city, db):
    return Receipt.objects.order_by("id")


def plans_touching_receipts(captured):
    """EXPLAIN every captured SELECT that reads receipts_receipt (directly, or as the EXECUTE
    of a prepared SELECT); return (sql, plan) pairs."""
    plans = []
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            text = sql
            prepared = re.match(r"\s*EXECUTE (\w+)\(", sql)
            if prepared:  # the lookup's prepared statement (disdukcapil/prepared.py)
                cursor.execute(
                    "SELECT statement FROM pg_prepared_statements WHERE name = %s",
                    [prepared.group(1)],
                )
                text = cursor.fetchone()[0].split(" AS ", 1)[1]
            if not text.lstrip().upper().startswith("SELECT") or "receipts_receipt" not in text:
                continue
            cursor.execute("EXPLAIN " + sql)
            plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def assert_no_seq_scan_on_receipts(plans):
    assert plans, "no query on receipts_receipt was captured"
    for sql, plan in plans:
        assert not re.search(r"Seq Scan on receipts_receipt\b", plan), f"{sql}\n{plan}"


def test_receipt_lookup_page_reads_receipts_by_index(client, city_scale_receipts):
    number = city_scale_receipts[SIZE // 2].number
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/cek/", {"nomor": number})
    assert response.status_code == 200
    assert_no_seq_scan_on_receipts(plans_touching_receipts(ctx.captured_queries))


def test_receipt_api_reads_receipts_by_index(client, city_scale_receipts):
    number = city_scale_receipts[SIZE // 3].number
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/receipts/{number}/")
    assert response.status_code == 200
    assert_no_seq_scan_on_receipts(plans_touching_receipts(ctx.captured_queries))


@pytest.mark.parametrize("status", ["ready", "collected", "recorded", "on_hold"])
def test_admin_changelist_filtered_by_status_uses_an_index(
    client, superuser, city_scale_receipts, status
):
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/receipts/receipt/", {"status__exact": status})
    assert response.status_code == 200
    plans = plans_touching_receipts(ctx.captured_queries)
    assert_no_seq_scan_on_receipts(plans)
    for sql, _plan in plans:
        assert not re.search(r'COUNT\(\*\).*FROM "receipts_receipt"\s*$', sql), sql
