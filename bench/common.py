"""Shared set-up for the bench scripts: import the project and configure Django."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(settings_module: str = "bench.settings") -> None:
    """Make the project importable and configure Django (DEBUG off, as in production)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    # A Redis database of the benchmarks' own: bench/statistik.py clears the cache, and
    # Django's RedisCache.clear() flushes the whole Redis database, whatever the key prefix.
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ.setdefault("CACHE_KEY_PREFIX", "ektp-bench")
    # The test client comes from 127.0.0.1: exempt it from the lookup rate limit, the
    # documented way (docs/security.md), so that the middleware still runs.
    os.environ.setdefault("RATELIMIT_EXEMPT_IPS", "127.0.0.1")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... : the benchmarks measure PostgreSQL.")
    import django

    django.setup()


def collect_static() -> None:
    """Production serves hashed static names from the manifest: build it (as a deploy would)."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def bench_env(database_url: str | None = None, entries: int | None = None) -> dict:
    """The environment of a benchmark gunicorn: production settings plus bench/urls.py, plain
    HTTP on the loopback, the benchmarks' own Redis database, the load generator exempt from
    the rate limit. ``entries``: the lookup cache's size per worker."""
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
    if entries is not None:
        env["LOOKUP_CACHE_ENTRIES"] = str(entries)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-only-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=env.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/13",
        CACHE_KEY_PREFIX=env.get("CACHE_KEY_PREFIX") or "ektp-bench",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        RATELIMIT_EXEMPT_IPS="127.0.0.1",
    )
    return env
