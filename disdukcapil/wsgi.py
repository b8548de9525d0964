"""WSGI entry point for gunicorn. Refuses to start without a SECRET_KEY."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disdukcapil.settings")

application = get_wsgi_application()

try:
    settings.SECRET_KEY  # noqa: B018 - Django raises here when it is empty
except ImproperlyConfigured:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 for local development."
    ) from None

from disdukcapil.checks import secret_key_is_placeholder  # noqa: E402

if not settings.DEBUG and secret_key_is_placeholder(settings.SECRET_KEY):
    # E.g. .env.example's "change-me-to-a-long-random-string", which served with DEBUG=0.
    raise ImproperlyConfigured(
        "SECRET_KEY is a published placeholder. Generate one: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
