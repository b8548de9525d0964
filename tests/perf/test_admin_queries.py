"""The admin receipt list filtered or searched costs the same queries for 5 rows or 60.

tests/receipts/test_admin.py pins the unfiltered list; these pin the filtered and searched
lists that staff use at city scale (a per-row query would multiply at 100 rows a page).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import KelurahanFactory, ReceiptFactory, ResidentFactory

URL = "admin:receipts_receipt_changelist"


def make_receipts(n, kelurahan, status):
    return [
        ReceiptFactory(resident=ResidentFactory(kelurahan=kelurahan), status=status)
        for _ in range(n)
    ]


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        ({"status__exact": "ready"}, 60),
        ({"status__exact": "ready", "collection_kecamatan__id__exact": "KECAMATAN"}, 60),
        ({"q": "BPN1701"}, 65),
    ],
    ids=["by-status", "by-status-and-kecamatan", "search-number-prefix"],
)
def test_filtered_receipt_list_queries_do_not_grow_with_rows(
    client, superuser, sepinggan, django_assert_num_queries, params, listed
):
    client.force_login(superuser)
    params = {
        key: (sepinggan.kecamatan_id if value == "KECAMATAN" else value)
        for key, value in params.items()
    }
    make_receipts(5, sepinggan, "ready")
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse(URL), params).status_code == 200
    make_receipts(55, sepinggan, "ready")
    make_receipts(5, KelurahanFactory(), "recorded")
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get(reverse(URL), params)
    assert len(response.context["cl"].result_list) == listed


def test_receipt_search_by_nik_costs_the_same_queries_as_by_number(client, superuser, sepinggan):
    client.force_login(superuser)
    (receipt,) = make_receipts(1, sepinggan, "ready")
    make_receipts(20, sepinggan, "ready")
    counts = {}
    for term in (receipt.number, receipt.resident.nik):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(URL), {"q": term})
        assert [r.pk for r in response.context["cl"].result_list] == [receipt.pk]
        counts[term] = len(ctx.captured_queries)
    assert counts[receipt.number] == counts[receipt.resident.nik]
