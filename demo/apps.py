from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The deterministic demo data set and ``manage.py seed_demo`` (writes both apps)."""

    name = "demo"
