"""Admin building blocks shared by every app (one definition each)."""

from django.shortcuts import redirect
from django.urls import reverse


class ReadOnlyAdminMixin:
    """Records that only the services write: viewable, never added, changed or deleted here.

    Works for a ModelAdmin and for an inline. No delete button is offered either: deleting
    history is refused by the database (PROTECT) anyway.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AddOnStaffPageMixin(ReadOnlyAdminMixin):
    """Read-only here; "add" is a link to the staff page whose service keeps the rules.

    ``staff_add_url`` names that page (a URL name). The list links to it, and the admin's own
    add URL sends there too, for bookmarks and the admin index's "add" link.
    """

    staff_add_url = ""

    def _staff_add_url(self) -> str:
        return reverse(self.staff_add_url) if self.staff_add_url else ""

    def add_view(self, request, form_url="", extra_context=None):
        url = self._staff_add_url()
        if url and request.method == "GET":
            return redirect(url)
        return super().add_view(request, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "staff_add_url": self._staff_add_url()}
        return super().changelist_view(request, extra_context)
