"""Prometheus counters per view, database time, rate-limit refusals, and the request id."""

import json
import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from prometheus_client import REGISTRY

from disdukcapil.logs import JsonFormatter, RequestIdFilter
from disdukcapil.metrics import request_id_var
from receipts.models import Status
from tests.factories import ReceiptFactory, ResidentFactory

# The main test pass runs these (no replica: every query is on `default`).
pytestmark = pytest.mark.skipif(
    "replica" in settings.DATABASES, reason="counts queries on the primary; run without a replica"
)


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_lookup_is_counted_under_its_view_with_its_database_time(client, sepinggan):
    receipt = ReceiptFactory(resident=ResidentFactory(kelurahan=sepinggan), status=Status.READY)
    labels = {"view": "receipts:lookup", "method": "GET", "status": "200"}
    before = sample("ektp_http_requests_total", **labels)
    queries = sample("ektp_db_queries_total", view="receipts:lookup", alias="default")
    seconds = sample("ektp_db_query_seconds_total", view="receipts:lookup", alias="default")
    assert client.get("/cek/", {"nomor": receipt.number}).status_code == 200
    assert sample("ektp_http_requests_total", **labels) == before + 1
    assert sample("ektp_db_queries_total", view="receipts:lookup", alias="default") > queries
    assert sample("ektp_db_query_seconds_total", view="receipts:lookup", alias="default") > seconds
    count = sample("ektp_http_request_duration_seconds_count", view="receipts:lookup")
    assert count >= 1


@pytest.mark.django_db
def test_an_unknown_number_is_counted_as_a_404(client):
    labels = {"view": "receipts:lookup", "method": "GET", "status": "404"}
    before = sample("ektp_http_requests_total", **labels)
    assert client.get("/cek/", {"nomor": "BPN1708010999"}).status_code == 404
    assert sample("ektp_http_requests_total", **labels) == before + 1


@pytest.mark.django_db
def test_rate_limit_refusals_are_counted(client, settings):
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_LOOKUP_PER_MINUTE = 1
    cache.clear()
    before = sample("ektp_ratelimit_refusals_total", bucket="lookup")
    client.get("/cek/", {"nomor": "BPN1708010999"})
    assert client.get("/cek/", {"nomor": "BPN1708010999"}).status_code == 429
    assert sample("ektp_ratelimit_refusals_total", bucket="lookup") == before + 1
    cache.clear()


@pytest.mark.django_db
def test_the_request_id_of_nginx_is_kept_and_a_forged_one_replaced(client):
    given = "0123456789abcdef0123456789abcdef"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert forged != "<script>" and len(forged) == 32


def test_json_log_lines_carry_the_request_id():
    token = request_id_var.set("abcdef0123456789")
    try:
        record = logging.LogRecord(
            "disdukcapil.x", logging.WARNING, __file__, 1, "hi %s", ("x",), None
        )
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "abcdef0123456789"
    assert line["message"] == "hi x"
    assert line["level"] == "WARNING"
