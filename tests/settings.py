"""Test settings: the project's settings with a fast password hasher and a test secret."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("DEBUG", "0")
# Jobs run inside the test (on commit); tests/notifications start a real worker themselves.
os.environ.setdefault("TASKS_BACKEND", "immediate")

from disdukcapil.settings import *  # noqa: E402,F403

# PostgreSQL: Django's backend with a flush that deletes rather than truncates (a transactional
# test's teardown: 0.05 s instead of about 1 s; tests/postgresql/base.py).
for _alias in DATABASES.values():  # noqa: F405
    if _alias["ENGINE"] == "django.db.backends.postgresql":
        _alias["ENGINE"] = "tests.postgresql"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
RATELIMIT_ENABLED = False  # tests/hardening enable it explicitly
# Tests never run collectstatic: let whitenoise look files up lazily instead of warning.
WHITENOISE_AUTOREFRESH = True
# Off by default so one test's cached page never leaks into another's; tests/perf/ turns
# it on (and empties it) for every test there.
LOOKUP_CACHE_SECONDS = 0
# The Redis database of the tests that talk to Redis themselves (``@pytest.mark.redis``): they
# empty it, so it is not the one REDIS_URL names.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")

if REDIS_URL:  # noqa: F405
    # Several test processes share the Redis database (pytest-xdist): each keeps its keys under
    # its own prefix and empties only those (tests/cache.py). The production timeouts (50 ms)
    # stay tested in tests/hardening/test_frozen_redis.py; here a loaded 2-core CI machine must
    # not turn a slow answer into a failed test.
    from tests.cache import worker_prefix

    CACHES["default"].update(  # noqa: F405
        BACKEND="tests.cache.RedisCache",
        KEY_PREFIX=worker_prefix(CACHES["default"]["KEY_PREFIX"]),  # noqa: F405
        OPTIONS={"socket_connect_timeout": 2.0, "socket_timeout": 2.0},
    )
