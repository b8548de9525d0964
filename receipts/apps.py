from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiptsConfig(AppConfig):
    name = "receipts"
    verbose_name = _("Resi e-KTP")

    def ready(self):
        from receipts import name_search

        # SQLite learns ektp_fold on each new connection (PostgreSQL has it from a migration).
        name_search.connect_signals()
