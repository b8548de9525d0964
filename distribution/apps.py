from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Blanko, cetak dan distribusi")

    def ready(self):
        from distribution import printing_stats

        printing_stats.connect_signals()
