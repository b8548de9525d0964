"""The admin site of the portal: Django's, with staff sessions that end with the working day.

Staff sessions lasted Django's default 14 days; counter sessions end at local midnight
(``CounterLoginView``). Staff now end the same way (issue 16, finding 9): a session opened
through the admin login ends at the next local midnight, whenever it was opened. Chosen over
"8 hours idle" because it is one rule for both logins, and a shared office PC left logged in
overnight is the case it closes.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig

from disdukcapil.localtime import next_local_midnight


class PortalAdminSite(AdminSite):
    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        if request.method == "POST" and request.user.is_authenticated:
            request.session.set_expiry(next_local_midnight())
        return response


class PortalAdminConfig(AdminConfig):
    default_site = "disdukcapil.admin_site.PortalAdminSite"
