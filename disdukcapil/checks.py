"""System checks for misconfiguration that would weaken the portal in production.

Ids are stable: disdukcapil.E001.. for errors, disdukcapil.W001.. for warnings.
E001 and W002 are deployment checks (`manage.py check --deploy`); W001 reads the database,
so it runs only when a database is named (`check --database default`, and `migrate`).
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

from distribution.roles import DEMO_GROUP

# The key settings.py falls back to with DEBUG on; never acceptable in production.
DEV_SECRET_KEY = "insecure-local-development-key-only-used-when-DEBUG-is-on"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5


# Keys published in this repository (.env.example, the old `make run` recipe, the test
# settings): long enough for the length rule, and known to everyone (issue 16, finding 8).
PLACEHOLDER_MARKERS = (
    "change-me",
    "random-string",
    "not-for-production",
    "local-run-",
    "test-secret-key",
)


def secret_key_is_placeholder(key: str) -> bool:
    folded = key.casefold()
    return key == DEV_SECRET_KEY or any(marker in folded for marker in PLACEHOLDER_MARKERS)


def _secret_key_is_weak(key: str) -> bool:
    return (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
        or key.startswith("django-insecure")
        or secret_key_is_placeholder(key)
    )


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    # Django refuses to hand out an empty SECRET_KEY; that is the weakest key of all.
    key = getattr(settings._wrapped, "SECRET_KEY", "")
    if not _secret_key_is_weak(key):
        return []
    return [
        Error(
            "SECRET_KEY is too short, too simple or a known development key.",
            hint=(
                "Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
                "and set it in the environment (at least 50 characters)."
            ),
            id="disdukcapil.E001",
        )
    ]


@register(Tags.security)
def check_debug_with_wildcard_host(app_configs, **kwargs):
    if settings.DEBUG and "*" in settings.ALLOWED_HOSTS:
        return [
            Error(
                "DEBUG is on and ALLOWED_HOSTS accepts any host.",
                hint="Debug pages show settings and tracebacks to anyone: list the hosts, or "
                "turn DEBUG off.",
                id="disdukcapil.E002",
            )
        ]
    return []


@register(Tags.security, Tags.database)
def check_demo_accounts(app_configs, databases=None, **kwargs):
    if settings.DEBUG or not databases:
        return []
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    User = get_user_model()  # noqa: N806
    errors = []
    for alias in databases:
        if alias not in connections:
            continue
        try:
            active = (
                User.objects.using(alias)
                .filter(is_active=True)
                .filter(Q(officer__is_demo=True) | Q(groups__name=DEMO_GROUP))
                .distinct()
                .count()
            )
        except DatabaseError:
            # Tables not created yet (migrate runs checks before migrating): nothing to check.
            continue
        if active:
            errors.append(
                Warning(
                    f"{active} demo account(s) are active while DEBUG is off (database {alias!r}).",
                    hint="Demo accounts have a published password. Deactivate them in the "
                    "admin, or do not run seed_demo on a production database.",
                    id="disdukcapil.W001",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_demo_accounts_on_deploy(app_configs, databases=None, **kwargs):
    """W001 in a plain ``check --deploy`` too: a deployment check must not need ``--database``.

    With 13 active demo accounts, ``check --deploy`` said "no issues" unless
    ``--database default`` was given (issue 16, finding 8).
    """
    if databases:  # the database check above runs already
        return []
    return check_demo_accounts(app_configs, databases=["default"])


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: rate limits are counted per worker process.",
            hint="Set REDIS_URL so every gunicorn worker and host shares one count.",
            id="disdukcapil.W002",
        )
    ]


@register(Tags.database)
def check_replica_bounds(app_configs, **kwargs):
    """The lag bound is what keeps a public page within N seconds of the primary."""
    if "replica" not in settings.DATABASES:
        return []
    errors = []
    if settings.REPLICA_MAX_LAG_SECONDS < 1:
        errors.append(
            Error(
                "REPLICA_MAX_LAG_SECONDS must be at least 1 when a replica is configured.",
                hint="A bound of 0 sends every public read to the primary: unset "
                "REPLICA_DATABASE_URL instead, or give the bound in seconds (default 5).",
                id="disdukcapil.E003",
            )
        )
    if not 0 <= settings.REPLICA_CHECK_SECONDS < max(settings.REPLICA_MAX_LAG_SECONDS, 1):
        errors.append(
            Error(
                "REPLICA_CHECK_SECONDS must be 0 or more and shorter than REPLICA_MAX_LAG_SECONDS.",
                hint="Between two checks a worker trusts the last lag it measured, so a "
                "status change may be that much later on the public page (default 1).",
                id="disdukcapil.E004",
            )
        )
    return errors
