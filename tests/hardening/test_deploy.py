"""Production configuration: check --deploy clean, no default secret, the project's checks."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from disdukcapil import checks
from tests.factories import OfficerFactory, UserFactory

BASE_DIR = str(settings.BASE_DIR)


def _production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests (Playwright's event loop);
        # it must not leak into a "production" process.
        if key
        not in {
            "DJANGO_SETTINGS_MODULE",
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="disdukcapil.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="ektp.balikpapan.go.id",
        CSRF_TRUSTED_ORIGINS="https://ektp.balikpapan.go.id",
        TRUST_X_FORWARDED_PROTO="1",
        REDIS_URL="redis://127.0.0.1:6379/14",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _run(code, env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


CHECK_DEPLOY = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('check', '--deploy', '--fail-level', 'WARNING')"
)


def test_check_deploy_is_clean_with_production_settings():
    result = _run(CHECK_DEPLOY, _production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_check_deploy_fails_on_a_short_secret_key():
    result = _run(CHECK_DEPLOY, _production_env(SECRET_KEY="kunci-pendek"))
    assert result.returncode != 0
    assert "disdukcapil.E001" in result.stderr


def test_check_deploy_warns_when_plain_http_is_neither_redirected_nor_behind_tls_proxy():
    result = _run(CHECK_DEPLOY, _production_env(TRUST_X_FORWARDED_PROTO="0"))
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    # What gunicorn does: import the WSGI application.
    result = _run("import disdukcapil.wsgi", _production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_fails_without_a_secret_key():
    result = _run(CHECK_DEPLOY, _production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "disdukcapil.E001" in result.stderr


def test_makemigrations_check_runs_without_a_secret_key():
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('makemigrations', '--check', '--dry-run')"
    )
    result = _run(code, _production_env(SECRET_KEY=None))
    assert result.returncode == 0, result.stderr


def test_secret_key_check(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 60
    assert [e.id for e in checks.check_secret_key(None)] == ["disdukcapil.E001"]
    settings.SECRET_KEY = checks.DEV_SECRET_KEY
    assert [e.id for e in checks.check_secret_key(None)] == ["disdukcapil.E001"]
    settings.SECRET_KEY = "django-insecure-" + secrets.token_urlsafe(50)
    assert [e.id for e in checks.check_secret_key(None)] == ["disdukcapil.E001"]
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    assert checks.check_secret_key(None) == []


def test_debug_with_any_host_is_an_error(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["*"]
    assert [e.id for e in checks.check_debug_with_wildcard_host(None)] == ["disdukcapil.E002"]
    settings.ALLOWED_HOSTS = ["localhost"]
    assert checks.check_debug_with_wildcard_host(None) == []


def test_missing_redis_in_production_is_a_warning(settings):
    settings.DEBUG = False
    settings.REDIS_URL = ""
    assert [e.id for e in checks.check_shared_cache(None)] == ["disdukcapil.W002"]
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert checks.check_shared_cache(None) == []


def test_active_demo_officer_in_production_is_a_warning(db, settings, selatan):
    settings.DEBUG = False
    OfficerFactory(user=UserFactory(username="loket.selatan"), kecamatan=selatan, is_demo=True)
    assert checks.check_demo_accounts(None, databases=None) == []  # database checks opt in
    warnings = checks.check_demo_accounts(None, databases=["default"])
    assert [w.id for w in warnings] == ["disdukcapil.W001"]
    assert warnings[0].msg.startswith("1 demo account(s)")


def test_demo_group_member_counts_and_inactive_demo_accounts_do_not(db, settings, selatan):
    settings.DEBUG = False
    demo = Group.objects.create(name=checks.DEMO_GROUP)
    UserFactory(username="staf", is_staff=True).groups.add(demo)
    OfficerFactory(
        user=UserFactory(username="spv.selatan", is_active=False), kecamatan=selatan, is_demo=True
    )
    warnings = checks.check_demo_accounts(None, databases=["default"])
    assert warnings[0].msg.startswith("1 demo account(s)")


def test_demo_accounts_are_fine_in_development(db, settings, selatan):
    settings.DEBUG = True
    OfficerFactory(kecamatan=selatan, is_demo=True)
    assert checks.check_demo_accounts(None, databases=["default"]) == []


@pytest.mark.parametrize("password", ["pendek1", "sebelas-hrf", "12345678901234", "password1234"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_unusual_password_is_accepted():
    validate_password("Kartu-Kuning-Balikpapan-2018")


# --- round two (issue 16, finding 8): defaults that passed the production check ---


PLACEHOLDER_KEYS = [
    "change-me-to-a-long-random-string",  # .env.example
    "change-me-to-a-long-random-string-" + "x" * 30,
    "CHANGE-a-long-random-string-from-python-secrets-token_urlsafe-50",  # deploy/ example
    "local-run-myhost-not-for-production-use-0123456789",  # the old `make run` key
]


def test_production_refuses_to_start_with_a_published_placeholder_key():
    # Started for real (gunicorn's import of the WSGI application, and the check command) with
    # .env.example's key; every published key below goes through the same two tests.
    key = PLACEHOLDER_KEYS[0]
    result = _run("import disdukcapil.wsgi", _production_env(SECRET_KEY=key))
    assert result.returncode != 0
    assert "placeholder" in result.stderr
    check = _run(CHECK_DEPLOY, _production_env(SECRET_KEY=key))
    assert check.returncode != 0
    assert "disdukcapil.E001" in check.stderr


@pytest.mark.parametrize("key", PLACEHOLDER_KEYS)
def test_every_published_placeholder_key_is_refused(key, settings):
    from disdukcapil.checks import check_secret_key, secret_key_is_placeholder

    assert secret_key_is_placeholder(key)  # disdukcapil/wsgi.py refuses to start on it
    settings.DEBUG = False
    settings.SECRET_KEY = key
    assert [message.id for message in check_secret_key(None)] == ["disdukcapil.E001"]


def test_production_starts_with_a_random_key():
    result = _run("import disdukcapil.wsgi", _production_env())
    assert result.returncode == 0, result.stderr


def test_make_run_key_is_random_generated_once_and_private(tmp_path):
    from disdukcapil.local_secret import local_secret_key

    path = tmp_path / ".local-secret-key"
    first = local_secret_key(path)
    assert len(first) >= 50 and local_secret_key(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert local_secret_key(tmp_path / "other") != first
    assert not checks._secret_key_is_weak(first)
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "disdukcapil.local_secret" in makefile and "hostname" not in makefile
    assert ".local-secret-key" in (settings.BASE_DIR / ".gitignore").read_text()


def test_demo_accounts_warning_fires_in_a_plain_check_deploy(db, settings, selatan):
    from django.core.checks import run_checks

    settings.DEBUG = False
    OfficerFactory(user=UserFactory(username="loket.selatan"), kecamatan=selatan, is_demo=True)
    found = run_checks(include_deployment_checks=True)
    assert "disdukcapil.W001" in [message.id for message in found]
    assert "disdukcapil.W001" not in [message.id for message in run_checks()]
