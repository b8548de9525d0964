"""gunicorn configuration: sync workers sized for a small machine.

The lookup is short and CPU-bound, so sync workers (one per core, measured below) keep it simple;
max_requests recycles workers (rarely) to bound memory, and a crashed worker is replaced by the
arbiter while the others keep serving.

Failure modes (docs/security.md): the arbiter (master process) watches its workers; a worker
that dies (segfault, OOM kill, SIGKILL) is reaped and a new one forked at once, and a worker
stuck longer than `timeout` seconds is killed and replaced. The listening socket is shared, so
only the request the dead worker had in flight is lost; tests/hardening/test_gunicorn.py kills
a worker and checks that requests keep succeeding.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One sync worker per core: the lookup is CPU-bound Python (its queries take well under a
# millisecond), and PostgreSQL runs on the same cores; more workers only queue for the CPU.
# bench/lookup.py on 2 cores, 1,000,000 receipts, /cek/ at 32 connections: 2 workers 256 req/s,
# 3 workers (cores + 1) 236, 5 workers 132, gthread 2x4 145 (shared machine, load 2-8: see
# README). WEB_CONCURRENCY overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# A recycled worker starts with an empty lookup cache (portal/lookup_cache.py), so recycle
# rarely: at 2,000 requests a busy worker restarted every few seconds under load, and at 50,000
# every ~3 minutes at full load (bench/lookup.py saw /cek/ drop from ~830 to ~160 req/s in the
# round where all three recycled). At 1,000,000 a worker lives about an hour at full load.
# Memory stays bounded by LOOKUP_CACHE_ENTRIES (about 25 MB of bodies per worker at most).
max_requests = 1_000_000
max_requests_jitter = 100_000
accesslog = "-"
errorlog = "-"
# Only the local reverse proxy may set X-Forwarded-Proto for gunicorn; Django trusts the header
# only with TRUST_X_FORWARDED_PROTO=1 and the rate limiter reads X-Forwarded-For only with
# TRUSTED_PROXY_COUNT >= 1 (docs/security.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Hostile input is cut off before Django sees it: request line (URL + query) and headers.
# Between 2,048 (MAX_QUERY_STRING_BYTES) and 4,094 bytes Django answers with its 414 page;
# beyond that gunicorn answers a bare 414 itself. Both are refusals, never a 500.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Prometheus (disdukcapil/metrics.py): with METRICS_PORT set, the master serves the metrics of
# all its workers summed (prometheus_client's multiprocess mode: each worker writes its
# counters to files in PROMETHEUS_MULTIPROC_DIR) on METRICS_BIND:METRICS_PORT, an internal
# address that nginx does not proxy. The folder is emptied at start: counters restart with
# the server, which Prometheus' rate() expects.
metrics_port = int(os.environ.get("METRICS_PORT", "0"))
if metrics_port:
    import shutil
    import tempfile

    _mp_dir = os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR",
        os.path.join(tempfile.gettempdir(), f"ektp-metrics-{metrics_port}"),
    )
    shutil.rmtree(_mp_dir, ignore_errors=True)
    os.makedirs(_mp_dir, exist_ok=True)

    def when_ready(server):
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disdukcapil.settings")
        django.setup()
        from disdukcapil.metrics import start_exporter

        start_exporter(metrics_port, os.environ.get("METRICS_BIND", "127.0.0.1"))
        server.log.info(
            "metrics on %s:%s", os.environ.get("METRICS_BIND", "127.0.0.1"), metrics_port
        )

    def child_exit(server, worker):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# LOG_FORMAT=json: the access log as JSON too, with nginx's request id.
if os.environ.get("LOG_FORMAT") == "json":
    access_log_format = (
        '{"time":"%(t)s","request_id":"%({x-request-id}i)s","remote_addr":"%({x-forwarded-for}i)s",'
        '"method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":"%(B)s","duration_us":%(D)s}'
    )
