"""Settings for the e-KTP receipt portal.

Everything that differs between a laptop, CI and production comes from the environment
(see `.env.example`). Nothing here falls back silently to an unsafe value outside DEBUG.
"""

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from disdukcapil.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

# No default secret outside DEBUG. Settings still load without one, so that commands that
# sign nothing (makemigrations, migrate, check) run with an empty environment, but the web
# server refuses to start (disdukcapil/wsgi.py), `check --deploy` fails (disdukcapil.E001), and
# Django raises ImproperlyConfigured wherever an empty SECRET_KEY would be used.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-local-development-key-only-used-when-DEBUG-is-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin with staff sessions ending at local midnight (disdukcapil/admin_site.py).
    "disdukcapil.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "auditlog",
    "axes",
    "receipts",
    "distribution",
    "portal",
    "demo",
    "notifications",
    "django_tasks",
    "django_tasks_db",
    "disdukcapil.apps.DisdukcapilConfig",
]

# Order matters (outermost first): the hardening middleware wraps everything so that its
# refusals (413/414/429/503) get the security headers too, and refuses oversized or
# over-limit requests before sessions or the database are touched. docs/security.md.
MIDDLEWARE = [
    # Outermost: the request id and the Prometheus counters see every answer, refusals too.
    "disdukcapil.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # HTML and JSON are compressed here, not at the proxy (the proxy forwards them as they
    # come). Django's GZipMiddleware pads every compressed body with up to 100 random bytes
    # (the "Heal The Breach" mitigation of BREACH, Django 4.2+), and the CSRF token in a page
    # is masked anew per request; static files are precompressed by WhiteNoise.
    "django.middleware.gzip.GZipMiddleware",
    "disdukcapil.security.SecurityHeadersMiddleware",
    "disdukcapil.security.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "disdukcapil.security.RequestLimitsMiddleware",
    "disdukcapil.ratelimit.RateLimitMiddleware",
    # Public read-only views to the replica (before anything that may read the database).
    "disdukcapil.db_router.ReplicaRoutingMiddleware",
    # The four marked "lean" pass a public lookup's GET through (disdukcapil/lean.py).
    "disdukcapil.lean.SessionMiddleware",  # lean
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "disdukcapil.lean.AuthenticationMiddleware",  # lean
    "disdukcapil.lean.MessageMiddleware",  # lean
    # Records the logged-in user (and remote address) as the actor of every audited change.
    "disdukcapil.lean.AuditlogMiddleware",  # lean
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its answer (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "disdukcapil.urls"
WSGI_APPLICATION = "disdukcapil.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI (DATABASE_URL), a SQLite file otherwise.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }

# The lookup's statements as server-side prepared statements (disdukcapil/prepared.py): planned
# once per connection instead of per request. 0 behind a transaction-mode pooler (PgBouncer).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)

# A streaming replica for the public reads (disdukcapil/db_router.py): the lookup, the API and
# the statistics read it while it is up and at most REPLICA_MAX_LAG_SECONDS behind; every
# write, staff, the counter, the admin and the task worker use the primary (default).
REPLICA_DATABASE_URL = env_str("REPLICA_DATABASE_URL")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # A replica host that is gone must cost a request 2 s at most, once per check interval.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 2
    )
    # Tests: the replica alias is the test database itself unless a test points it at a
    # real replica (tests/deploy/test_replica_router.py).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["disdukcapil.db_router.PrimaryReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 1)
# URL names (namespace:name) of the views that read only and may read the replica.
REPLICA_READ_VIEWS = frozenset(
    {"receipts:lookup", "receipts:api_receipt", "receipts:statistik", "receipts:home"}
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by every gunicorn worker), local memory otherwise.
REDIS_URL = env_str("REDIS_URL")
# A frozen Redis (SIGSTOP) took ~10 s per lookup without timeouts (issue 16, finding 15).
# Redis answers in well under a millisecond here: 50 ms is a stall. With the circuit breaker
# of disdukcapil.ratelimit, a sick Redis costs three timeouts, then nothing for 5 s.
REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": env_int("REDIS_TIMEOUT_MS", 50) / 1000,
    "socket_timeout": env_int("REDIS_TIMEOUT_MS", 50) / 1000,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "disdukcapil.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ektp"),
            "TIMEOUT": 300,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The lookup's rendered results (portal/lookup_cache.py): in each worker's memory, validated
# against the database on every request, so never stale. Seconds; 0 turns the cache off.
LOOKUP_CACHE_SECONDS = env_int("LOOKUP_CACHE_SECONDS", 600)
# Safe requests for these paths skip session, auth, messages and audit middleware
# (disdukcapil/lean.py): the public lookup and its API read and write none of them.
LEAN_PUBLIC_PATHS = ("/cek/", "/api/v1/receipts/")
# The result page from skeletons pre-rendered per language, status and situation, filled per
# request (portal/result_page.py); off with DEBUG so that an edited template shows at once.
LOOKUP_PRERENDERED = env_bool("LOOKUP_PRERENDERED", not DEBUG)
# At most this many bodies per worker (about 4 KB each for the page, 1 KB for the API).
CACHES["lookup"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "lookup",
    "TIMEOUT": LOOKUP_CACHE_SECONDS or None,
    "OPTIONS": {"MAX_ENTRIES": env_int("LOOKUP_CACHE_ENTRIES", 5000)},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS 2.1.1: at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Issue 16, finding 5: the demo password, aaaa/1234 patterns, the username inside.
    {"NAME": "disdukcapil.passwords.DemoPasswordValidator"},
    {"NAME": "disdukcapil.passwords.PatternPasswordValidator"},
    {"NAME": "disdukcapil.passwords.UsernameInPasswordValidator"},
]

# Per-account lockout (OWASP ASVS 2.2.1; issue 16, findings 4 and 16): django-axes counts
# failed logins per username in the database, so it keeps working while Redis is down (the
# per-address limit of disdukcapil.ratelimit fails open then). After AXES_FAILURE_LIMIT
# failures the account is locked for AXES_COOLOFF_TIME: at most 20 guesses an hour per
# account, well under ASVS's 100. Per username only, not per address: an attacker with many
# addresses gets no more guesses. A success resets the count. docs/security.md, section 10.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# A locked account's lock ends one hour after it began: further guesses do not extend it,
# so an attacker cannot keep a clerk out all day by retrying (the address limit slows them).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "disdukcapil.ratelimit.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "disdukcapil.ratelimit.account_locked"
AXES_VERBOSE = False

LOGIN_URL = "loket:login"
LOGIN_REDIRECT_URL = "loket:home"
LOGOUT_REDIRECT_URL = "loket:login"

# Internationalisation: Indonesian first, English available. Balikpapan is on WITA (UTC+8).
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Makassar"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site root by WhiteNoise (with its caching headers), not through a view:
# /favicon.ico, which browsers fetch on their own.
WHITENOISE_ROOT = BASE_DIR / "webroot"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security. Production (DEBUG off) gets HTTPS-only cookies and HSTS; SECURE_SSL_REDIRECT is
# opt-in because TLS is usually terminated by the reverse proxy in front of gunicorn.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy (TRUST_X_FORWARDED_PROTO=1) the proxy redirects plain HTTP,
# so Django's own redirect check (security.W008) is silenced then, and only then.
SILENCED_SYSTEM_CHECKS = ["security.W008"] if SECURE_PROXY_SSL_HEADER else []
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No JavaScript reads the CSRF token: forms carry it in a hidden field.
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# HSTS preloading is decided for the registrable domain (balikpapan.go.id) by whoever runs
# it, not by this app on its subdomain: opt-in, and Django's reminder (W021) is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS.append("security.W021")
# axes.W006 asks for the address among the lockout parameters. Deliberately not: keyed on
# (username, address) an attacker rotating addresses gets a fresh budget each time, and the
# per-address limit is disdukcapil.ratelimit's job (10 a minute, 30 an hour).
SILENCED_SYSTEM_CHECKS.append("axes.W006")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (disdukcapil.security.SecurityHeadersMiddleware). No inline script
# or style anywhere; the admin additionally allows the hash of the single inline <style>
# block in Django 5.2's admin/change_list.html (tests/hardening pins the hash).
CSP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_ADMIN_PREFIX = "/admin/"
CSP_ADMIN_STYLE_HASHES = ["'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"]
CSP_ADMIN_POLICY = CSP_POLICY.replace(
    "style-src 'self'", "style-src 'self' " + " ".join(CSP_ADMIN_STYLE_HASHES)
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
# Answers carrying receipt numbers, names or NIKs: never kept by a browser or proxy. The
# staff pages and exports too (issue 16, finding 6); the counter and the admin set it in
# their views (never_cache).
NO_STORE_PREFIXES = ("/cek/", "/api/", "/staf/")

# Rate limits (disdukcapil.ratelimit), per client address, counted in CACHES["default"].
# A family checking a handful of receipts stays far below them; a scraper hits them within
# a minute. Logins count failed attempts only. docs/security.md explains the numbers.
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_LOOKUP_PER_MINUTE = env_int("RATELIMIT_LOOKUP_PER_MINUTE", 20)
RATELIMIT_LOOKUP_PER_HOUR = env_int("RATELIMIT_LOOKUP_PER_HOUR", 100)
RATELIMIT_LOGIN_PER_MINUTE = env_int("RATELIMIT_LOGIN_PER_MINUTE", 10)
RATELIMIT_LOGIN_PER_HOUR = env_int("RATELIMIT_LOGIN_PER_HOUR", 30)
RATELIMIT_EXEMPT_IPS = frozenset(env_list("RATELIMIT_EXEMPT_IPS"))
RATELIMIT_LOOKUP_PREFIXES = ("/cek/", "/api/")
RATELIMIT_LOGIN_PATHS = frozenset({"/loket/masuk/", "/admin/login/"})
# How many reverse proxies of ours add to X-Forwarded-For. 0 (default): use REMOTE_ADDR and
# ignore the header, which any client can write. 1: nginx in front of gunicorn.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Oversized input (disdukcapil.security.RequestLimitsMiddleware and Django's own limits).
MAX_QUERY_STRING_BYTES = env_int("MAX_QUERY_STRING_BYTES", 2048)
PUBLIC_MAX_BODY_BYTES = env_int("PUBLIC_MAX_BODY_BYTES", 16 * 1024)
# Staff paths carry the receipt import (a CSV of up to 50 MB).
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 55 * 1024 * 1024)
STAFF_PATH_PREFIXES = ("/admin/", "/staf/", "/loket/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # form fields only; file data is excluded
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads are streamed to a temp file
# Seconds a client is told to wait after a 503 (database unreachable).
UNAVAILABLE_RETRY_AFTER = 30

# Audit trail: every save/delete of these models by staff (admin included) or clerks is logged
# with who, when, and the fields before and after (django-auditlog, searchable in the admin).
# Bulk status moves (print runs, arrivals) bypass save(); they are audited by ReceiptEvent rows,
# which record the actor of every status change.
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "receipts.Kecamatan",
    "receipts.Kelurahan",
    "receipts.Resident",
    {"model": "receipts.Receipt", "exclude_fields": ["status_changed_at"]},
    "distribution.BlankBatch",
    "distribution.PrintRun",
    # Cards are created in bulk (not logged); a misprint saves one card: who marked it, when.
    "distribution.Card",
    "distribution.Dispatch",
    "distribution.PickupSchedule",
    "distribution.IdDocumentType",
    "distribution.Officer",
    "distribution.HandOver",
    {"model": "auth.User", "exclude_fields": ["password", "last_login"]},
    "auth.Group",
)

# Background jobs (disdukcapil/tasks.py): Django's Tasks API on the database backend, so the
# SQLite default and PostgreSQL both work with no extra service; `manage.py db_worker` runs
# them (several workers on several hosts share the queue: rows are claimed SKIP LOCKED).
# TASKS_BACKEND=immediate runs every job inside the request instead (tests, debugging).
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default", "long"],
    }
}

# The admin import runs on the task worker (receipts/import_jobs.py). A running import writes
# its progress and a heartbeat every IMPORT_HEARTBEAT_MS; a running job whose heartbeat is
# older than IMPORT_STALE_SECONDS belongs to a worker that died and is shown as failed.
IMPORT_HEARTBEAT_MS = env_int("IMPORT_HEARTBEAT_MS", 3000)
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 60)
# A task row RUNNING this long, whose task keeps no heartbeat of its own, belongs to a dead
# worker (disdukcapil.tasks.tasks_fail_stale); the notification jobs take seconds.
TASKS_STALE_MINUTES = env_int("TASKS_STALE_MINUTES", 30)

# Staff exports (distribution/exports.py): up to EXPORT_DIRECT_MAX_ROWS rows are sent inside
# the request; more are written by the task worker (distribution/export_jobs.py) and
# downloaded from the job's page. A running export job whose heartbeat is older than
# EXPORT_STALE_SECONDS is shown as failed; jobs and their files are kept EXPORT_KEEP_HOURS.
# EXPORT_DIRECT_MAX_ROWS=0 sends every export directly, whatever its size.
EXPORT_DIRECT_MAX_ROWS = env_int("EXPORT_DIRECT_MAX_ROWS", 20000)
EXPORT_STALE_SECONDS = env_int("EXPORT_STALE_SECONDS", 60)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)

# Print runs (distribution/print_run_jobs.py): up to PRINT_RUN_DIRECT_MAX_CARDS cards are
# allocated inside the request; a bigger run is created by the task worker (queue `long`) and
# followed on its job's page. bench/print_run.py (PostgreSQL, 100,000 waiting receipts, a
# shared 2-core machine): 20,000 cards in 6.2 s, 2,000 in 0.6 s; 100,000 took 27-30 s, at
# gunicorn's 30 s timeout. 0 creates every run inside the request, whatever its size.
PRINT_RUN_DIRECT_MAX_CARDS = env_int("PRINT_RUN_DIRECT_MAX_CARDS", 20000)
# A print run is one transaction, with no heartbeat inside it: a job still running this long
# after it started (twenty times the 30 s of the biggest run) belongs to a worker that died, and is
# shown as failed unless its run exists.
PRINT_RUN_JOB_STALE_SECONDS = env_int("PRINT_RUN_JOB_STALE_SECONDS", 600)

# Notifications (notifications/, docs/notifications.md).
# The address residents' links point to (receipt page, e-mail opt-out).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
NOTIFY_ENABLED = env_bool("NOTIFY_ENABLED", True)
NOTIFY_QUIET_START = datetime.time(env_int("NOTIFY_QUIET_START_HOUR", 21))
NOTIFY_QUIET_END = datetime.time(env_int("NOTIFY_QUIET_END_HOUR", 6))
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6)
NOTIFY_BACKOFF_BASE_SECONDS = env_int("NOTIFY_BACKOFF_BASE_SECONDS", 30)
NOTIFY_BACKOFF_MAX_SECONDS = env_int("NOTIFY_BACKOFF_MAX_SECONDS", 3600)
# A claimed message is a worker's for this long; after it (the worker died) it is claimed again.
NOTIFY_CLAIM_SECONDS = env_int("NOTIFY_CLAIM_SECONDS", 120)
NOTIFY_BATCH = env_int("NOTIFY_BATCH", 20)
NOTIFY_DRAIN_SECONDS = env_int("NOTIFY_DRAIN_SECONDS", 30)
NOTIFY_PARALLEL_DRAINS = env_int("NOTIFY_PARALLEL_DRAINS", 2)
NOTIFY_TICK_SECONDS = env_int("NOTIFY_TICK_SECONDS", 60)
# A corrected or cancelled pickup day is told this long after the change, so that a day
# corrected again meanwhile is told once, as it ends up (docs/notifications.md).
NOTIFY_PICKUP_CHANGE_HOLD_SECONDS = env_int("NOTIFY_PICKUP_CHANGE_HOLD_SECONDS", 300)
# Reminders for a card still uncollected this many days after it became ready.
NOTIFY_UNCOLLECTED_DAYS = [int(d) for d in env_list("NOTIFY_UNCOLLECTED_DAYS", "14,30")][:2]
NOTIFY_REMINDER_WINDOW_DAYS = env_int("NOTIFY_REMINDER_WINDOW_DAYS", 7)
NOTIFY_HEAD_OFFICE_ADDRESS = env_str(
    "NOTIFY_HEAD_OFFICE_ADDRESS", "Jl. Jenderal Sudirman No. 1, Balikpapan"
)
NOTIFY_HEAD_OFFICE_HOURS = env_str("NOTIFY_HEAD_OFFICE_HOURS", "Senin-Jumat 08.00-15.00 WITA")
# Inbound SMS/WhatsApp per sender (KTP <nomor>, STOP).
NOTIFY_INBOUND_PER_MINUTE = env_int("NOTIFY_INBOUND_PER_MINUTE", 5)
NOTIFY_INBOUND_PER_HOUR = env_int("NOTIFY_INBOUND_PER_HOUR", 30)
NOTIFY_WEBHOOK_MAX_AGE_SECONDS = env_int("NOTIFY_WEBHOOK_MAX_AGE_SECONDS", 300)

# SMS: "log" (default: written to the log) or "http" (a generic HTTP SMS gateway).
SMS_BACKEND = env_str("SMS_BACKEND", "log")
SMS_API_URL = env_str("SMS_API_URL")
SMS_API_TOKEN = env_str("SMS_API_TOKEN")
SMS_SENDER = env_str("SMS_SENDER", "DUKCAPIL")
SMS_WEBHOOK_SECRET = env_str("SMS_WEBHOOK_SECRET")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10)
SMS_RATE_PER_SECOND = env_int("SMS_RATE_PER_SECOND", 20)

# WhatsApp: "log" (default) or "cloud" (WhatsApp Business Cloud API).
WHATSAPP_BACKEND = env_str("WHATSAPP_BACKEND", "log")
WHATSAPP_API_URL = env_str("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0")
WHATSAPP_PHONE_NUMBER_ID = env_str("WHATSAPP_PHONE_NUMBER_ID")
WHATSAPP_ACCESS_TOKEN = env_str("WHATSAPP_ACCESS_TOKEN")
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET")
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN")
WHATSAPP_TIMEOUT = env_int("WHATSAPP_TIMEOUT", 10)
WHATSAPP_RATE_PER_SECOND = env_int("WHATSAPP_RATE_PER_SECOND", 20)

# E-mail: Django's e-mail API. Console by default (`make run` shows it); SMTP in production
# (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend plus EMAIL_HOST...).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "outbox"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_RATE_PER_SECOND = env_int("EMAIL_RATE_PER_SECOND", 10)
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "ektp.balikpapan.go.id")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Disdukcapil Balikpapan <noreply@localhost>")

# Receipts whose status has not moved for this many days are flagged to staff.
STALE_AFTER_DAYS = env_int("STALE_AFTER_DAYS", 60)

# Password of the demo accounts that `seed_demo` creates.
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "ektp-demo-2018")

# LOG_FORMAT=json (production): one JSON object per line with the request id.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "disdukcapil.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "disdukcapil.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; lockouts (WARNING) are what to alert on.
    "loggers": {"axes": {"level": "WARNING"}},
}
