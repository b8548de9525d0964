from django.apps import AppConfig


class DisdukcapilConfig(AppConfig):
    """The project package as an app: only to register its system checks."""

    name = "disdukcapil"
    verbose_name = "Disdukcapil"

    def ready(self):
        from disdukcapil import checks  # noqa: F401  (registers the checks)
