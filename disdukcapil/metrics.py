"""Prometheus metrics and the request id, for every app host.

Exposed on an internal port, never through nginx: gunicorn's master serves them on
``METRICS_PORT`` (bound to ``METRICS_BIND``, the monitoring network), summed over all its
workers by prometheus_client's multiprocess mode (disdukcapil/gunicorn.conf.py). nginx answers
404 for ``/metrics`` anyway, and Django has no such URL.

What is measured (names below):
- requests per view (URL name), method and status, and their latency per view;
- database time and query count per view and database alias (primary or replica), and which
  database each routed public request read;
- rate-limit refusals per bucket (disdukcapil/ratelimit.py);
- at scrape time, from the primary: the task queue's depth and the age of its oldest waiting
  task, when django-tasks' database backend is installed (its table exists), and the
  notifications by state (sent, delivered, failed...) when the notifications app is.

``RequestMetricsMiddleware`` is the outermost middleware: it also takes the request id
(nginx's ``X-Request-ID``, or a new one), returns it, and puts it on every log record of the
request (disdukcapil/logs.py).
"""

import contextvars
import re
import time
import uuid

from django.db import connections
from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "ektp_http_requests_total", "HTTP requests answered", ["view", "method", "status"]
)
LATENCY = Histogram(
    "ektp_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DB_SECONDS = Counter(
    "ektp_db_query_seconds_total", "Time spent in database queries", ["view", "alias"]
)
DB_QUERIES = Counter("ektp_db_queries_total", "Database queries run", ["view", "alias"])
READ_ROUTE = Counter(
    "ektp_db_read_route_total", "Public read-only requests by the database they read", ["alias"]
)
RATELIMIT_REFUSALS = Counter(
    "ektp_ratelimit_refusals_total", "Requests refused by the rate limits", ["bucket"]
)

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("ektp_request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _request_id(request) -> str:
    # nginx sets it ($request_id, 32 hex digits); anything else a client sent is replaced.
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _VALID_ID.match(given) else uuid.uuid4().hex


class _QueryTimer:
    def __init__(self, alias: str, totals: dict):
        self.alias, self.totals = alias, totals

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds, count = self.totals.get(self.alias, (0.0, 0))
            self.totals[self.alias] = (seconds + time.perf_counter() - start, count + 1)


def _view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"  # 404s, static files, refusals before URL resolution
    return match.view_name or "<unnamed>"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = _request_id(request)
        request.request_id = rid
        token = request_id_var.set(rid)
        totals: dict = {}
        start = time.perf_counter()
        wrappers = []
        for alias in connections:
            conn = connections[alias]
            timer = _QueryTimer(alias, totals)
            conn.execute_wrappers.append(timer)
            wrappers.append((conn, timer))
        try:
            response = self.get_response(request)
        finally:
            for conn, timer in wrappers:
                conn.execute_wrappers.remove(timer)
            request_id_var.reset(token)
        view = _view_label(request)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        LATENCY.labels(view).observe(time.perf_counter() - start)
        for alias, (seconds, count) in totals.items():
            DB_SECONDS.labels(view, alias).inc(seconds)
            DB_QUERIES.labels(view, alias).inc(count)
        routed = getattr(request, "db_read_alias", None)
        if routed:
            READ_ROUTE.labels(routed).inc()
        response["X-Request-ID"] = rid
        return response


# -- at scrape time, in gunicorn's master ---------------------------------------------------

TASK_TABLE = "django_tasks_database_dbtaskresult"
MESSAGE_TABLE = "notifications_message"


class QueueCollector:
    """Depth and oldest age of the task queue, read from the primary at each scrape."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        depth = GaugeMetricFamily("ektp_task_queue_depth", "Tasks waiting to run", labels=["queue"])
        age = GaugeMetricFamily(
            "ektp_task_queue_oldest_age_seconds", "Age of the oldest waiting task", labels=["queue"]
        )
        up = GaugeMetricFamily("ektp_task_queue_scrape_ok", "1 when the queue could be read")
        messages = GaugeMetricFamily(
            "ektp_notifications", "Notification messages by state", labels=["state"]
        )
        conn = connections["default"]
        rows, states = [], []
        try:
            tables = set(conn.introspection.table_names())
            with conn.cursor() as cursor:
                if TASK_TABLE in tables:
                    cursor.execute(
                        f"SELECT queue_name, count(*), min(enqueued_at) FROM {TASK_TABLE} "  # noqa: S608
                        "WHERE status = 'READY' GROUP BY queue_name"
                    )
                    rows = cursor.fetchall()
                if MESSAGE_TABLE in tables:
                    cursor.execute(f"SELECT state, count(*) FROM {MESSAGE_TABLE} GROUP BY state")  # noqa: S608
                    states = cursor.fetchall()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        finally:
            conn.close()  # never keep a connection in the master, which forks workers
        now = time.time()
        for queue, count, oldest in rows:
            depth.add_metric([queue], count)
            age.add_metric([queue], max(0.0, now - oldest.timestamp()) if oldest else 0.0)
        for state, count in states:
            messages.add_metric([state], count)
        up.add_metric([], 1)
        yield from (depth, age, messages, up)


def start_exporter(port: int, addr: str):
    """Serve the workers' summed metrics and the queue gauges (called in gunicorn's master)."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(QueueCollector())
    start_http_server(port, addr=addr, registry=registry)
