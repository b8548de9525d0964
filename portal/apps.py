from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public site: lookup page, API, statistics and the lookup cache (reads both apps)."""

    name = "portal"

    def ready(self):
        from portal import lookup_cache

        lookup_cache.connect_signals()
