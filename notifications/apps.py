from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Pemberitahuan")

    def ready(self):
        # Dependency inversion: receipts exposes the hook, this app (above it) registers.
        from distribution import hooks as distribution_hooks
        from notifications import occasions
        from receipts import hooks as receipts_hooks

        receipts_hooks.register_status_listener(occasions.on_status_change)
        distribution_hooks.register_pickup_listener(occasions.on_pickup_days_published)
        distribution_hooks.register_pickup_change_listener(occasions.on_pickup_days_changed)
