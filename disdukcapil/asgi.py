"""ASGI entry point (unused by the default deployment, which runs gunicorn with WSGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disdukcapil.settings")

application = get_asgi_application()
