from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Pemberitahuan")

    def ready(self):
        # Dependency inversion: receipts exposes the hook, this app (above it) registers.
        from notifications import occasions
        from receipts import hooks

        hooks.register_status_listener(occasions.on_status_change)
