"""The Django admin for blank stock, printing, dispatches, schedules and counter records.

Printing and dispatching are workflows of the staff pages (``/staf/``); hand-overs are made
and undone at the counter (``/loket/``). Here those records are read-only, so that the admin
cannot bypass the services that keep receipts, cards and blank stock consistent.
"""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from disdukcapil.admin_mixins import AddOnStaffPageMixin, ReadOnlyAdminMixin
from distribution.models import (
    BlankBatch,
    Card,
    Dispatch,
    DispatchItem,
    HandOver,
    Holiday,
    IdDocumentType,
    Officer,
    PickupSchedule,
    PrintingPlan,
    PrintRun,
)
from distribution.roles import DEMO_GROUP
from distribution.selectors import blank_stock_totals
from receipts.admin import BigTableAdmin
from receipts.numbers import MalformedReceiptNumber, normalize_receipt_number


def _number_prefix_search(queryset, term, field):
    term = term.strip()
    if not term:
        return queryset
    try:
        number = normalize_receipt_number(term)
    except MalformedReceiptNumber:
        return queryset.none()
    return queryset.filter(**{f"{field}__startswith": number})


@admin.register(BlankBatch)
class BlankBatchAdmin(AddOnStaffPageMixin, admin.ModelAdmin):
    """Deliveries are recorded on the staff dashboard (blank_batch_receive checks them)."""

    staff_add_url = "staf:dashboard"
    list_display = (
        "reference",
        "received_on",
        "quantity",
        "used",
        "spoiled",
        "left",
        "received_by",
    )
    list_select_related = ("received_by",)
    fields = (
        "reference",
        "quantity",
        "received_on",
        "note",
        "used",
        "spoiled",
        "left",
        "received_by",
        "created_at",
    )
    readonly_fields = fields
    date_hierarchy = "received_on"
    search_fields = ("reference",)

    @admin.display(description=_("sisa"))
    def left(self, obj):
        # The add form shown again with errors has no quantity yet (found by the access
        # matrix: an empty POST to the add page was a 500).
        if obj.quantity is None:
            return "-"
        return obj.left

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "stock_totals": blank_stock_totals()}
        return super().changelist_view(request, extra_context)


@admin.register(PrintRun)
class PrintRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kecamatan",
        "requested",
        "allocated",
        "cutoff_date",
        "state",
        "created_by",
        "created_at",
        "printed_at",
        "printed_by",
    )
    list_filter = ("state", "kecamatan")
    list_select_related = ("kecamatan", "created_by", "printed_by")
    date_hierarchy = "created_at"


@admin.register(Card)
class CardAdmin(ReadOnlyAdminMixin, BigTableAdmin):
    list_display = ("serial", "receipt", "print_run", "batch", "position", "outcome", "printed_at")
    list_filter = ("outcome", "batch")
    list_select_related = ("receipt", "print_run", "batch")
    search_fields = ("serial",)
    search_help_text = _("Nomor seri kartu (persis) atau awal nomor resi.")
    raw_id_fields = ("receipt", "print_run")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # A serial is matched exactly; otherwise the term is the beginning of a receipt number.
        # Two indexed lookups rather than one OR across a join, which would scan the table.
        by_serial = queryset.filter(serial=term.upper())
        if by_serial.exists():
            return by_serial, False
        return _number_prefix_search(queryset, term, "receipt__number"), False


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kecamatan",
        "state",
        "sent_at",
        "sent_by",
        "received_at",
        "received_by",
    )
    list_filter = ("state", "kecamatan")
    list_select_related = ("kecamatan", "sent_by", "received_by")
    date_hierarchy = "sent_at"
    fields = ("kecamatan", "state", "sent_at", "sent_by", "received_at", "received_by", "note")


@admin.register(DispatchItem)
class DispatchItemAdmin(ReadOnlyAdminMixin, BigTableAdmin):
    list_display = ("dispatch", "card", "receipt_number", "arrived", "note")
    list_filter = ("arrived", "dispatch__kecamatan")
    list_select_related = ("dispatch__kecamatan", "card__receipt")
    search_fields = ("card__receipt__number",)
    search_help_text = _("Awal nomor resi.")
    raw_id_fields = ("dispatch", "card")

    @admin.display(description=_("nomor resi"))
    def receipt_number(self, obj):
        return obj.card.receipt.number

    def get_search_results(self, request, queryset, search_term):
        return _number_prefix_search(queryset, search_term, "card__receipt__number"), False


@admin.register(PickupSchedule)
class PickupScheduleAdmin(AddOnStaffPageMixin, admin.ModelAdmin):
    """Pickup days are published from a dispatch's staff page and corrected or cancelled on
    the staff's pickup-day list (pickup_schedule_publish / _update / _cancel)."""

    staff_add_url = "staf:pickup_days"
    list_display = (
        "date",
        "start_time",
        "end_time",
        "kecamatan",
        "kelurahan",
        "place",
        "published_by",
    )
    list_filter = ("kecamatan", "date")
    list_select_related = ("kecamatan", "kelurahan", "published_by")
    date_hierarchy = "date"
    search_fields = ("kelurahan__name", "kecamatan__name", "place")
    ordering = ("-date", "start_time")


@admin.register(IdDocumentType)
class IdDocumentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("name",)


class SuperuserOnlyMixin:
    """Accounts and counter roles: only superusers see or manage them (issue 16, finding 2).

    A member of staff who could add an Officer row could make themselves a counter supervisor
    anywhere; one who could edit users could give themselves any group. Checked here, on top
    of the groups, so that a permission granted by mistake still opens nothing.
    """

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class OfficerForm(forms.ModelForm):
    """Refuses an Officer row for the account that saves it: nobody grants themselves a role."""

    class Meta:
        model = Officer
        fields = ("user", "kecamatan", "role", "is_demo")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user is not None and user.pk == self.acting_user.pk:
            raise forms.ValidationError(
                _("Anda tidak dapat memberi peran loket kepada akun Anda sendiri.")
            )
        return user


@admin.register(Officer)
class OfficerAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    form = OfficerForm
    list_display = ("user", "demo_account", "kecamatan", "role")
    list_filter = ("is_demo", "role", "kecamatan")
    list_select_related = ("user", "kecamatan")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)

    @admin.display(description=_("akun demo"), boolean=True, ordering="is_demo")
    def demo_account(self, obj):
        return obj.is_demo

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.acting_user = request.user
        return form


@admin.register(HandOver)
class HandOverAdmin(ReadOnlyAdminMixin, BigTableAdmin):
    list_display = (
        "receipt",
        "kecamatan",
        "clerk",
        "handed_at",
        "collected_by",
        "identity_check",
        "undone_at",
    )
    # A date filter rather than date_hierarchy, which scans the whole table for its years.
    list_filter = (
        "kecamatan",
        ("handed_at", admin.DateFieldListFilter),
        "collected_by",
        ("undone_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("receipt", "kecamatan", "clerk")
    search_fields = ("receipt__number",)
    search_help_text = _("Awal nomor resi.")
    raw_id_fields = ("receipt", "card")

    def get_search_results(self, request, queryset, search_term):
        return _number_prefix_search(queryset, search_term, "receipt__number"), False


# --- Users: demo accounts flagged in the list (issue 7, secrets and accounts) ---


def _demo_condition():
    from django.db.models import Exists, OuterRef, Q

    in_demo_group = Exists(
        get_user_model().groups.through.objects.filter(
            user_id=OuterRef("pk"), group__name=DEMO_GROUP
        )
    )
    return Q(in_demo_group) | Q(officer__is_demo=True)


class DemoAccountFilter(admin.SimpleListFilter):
    title = _("akun demo")
    parameter_name = "demo"

    def lookups(self, request, model_admin):
        return [("1", _("Ya")), ("0", _("Tidak"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(_demo_condition())
        if self.value() == "0":
            return queryset.exclude(_demo_condition())
        return queryset


# What an account may never change on itself: its powers.
SELF_LOCKED_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class PortalUserAdmin(SuperuserOnlyMixin, UserAdmin):
    """Django's user admin, plus a column and a filter that show seed_demo's accounts.

    Superusers only; and on their own account the fields that grant powers are read-only
    (no account grants itself anything, nor locks itself out by mistake).
    """

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            return (*fields, *SELF_LOCKED_FIELDS)
        return fields

    list_display = (*UserAdmin.list_display, "demo_account", "is_active")
    list_filter = (DemoAccountFilter, *UserAdmin.list_filter)

    def get_queryset(self, request):
        from django.db.models import BooleanField, Case, Value, When

        return (
            super()
            .get_queryset(request)
            .annotate(
                is_demo_account=Case(
                    When(_demo_condition(), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )

    @admin.display(description=_("akun demo"), boolean=True, ordering="is_demo_account")
    def demo_account(self, obj):
        return obj.is_demo_account


class PortalGroupAdmin(SuperuserOnlyMixin, GroupAdmin):
    pass


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), PortalUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, PortalGroupAdmin)


# --- Audit trail: staff read the rows of models they may view, never of accounts ---


class PortalLogEntryAdmin(LogEntryAdmin):
    """django-auditlog's admin, limited to entries of models the reader may view.

    Entries of ``auth.User`` carry e-mail addresses and flags of every account (superusers'
    included): a member of staff who may not view users must not read them here either.
    Detail pages go through the same queryset, so another entry's URL is a 404.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        allowed = [
            content_type.pk
            for content_type in ContentType.objects.filter(
                pk__in=queryset.values("content_type").distinct()
            )
            if request.user.has_perm(f"{content_type.app_label}.view_{content_type.model}")
        ]
        return queryset.filter(content_type__in=allowed)


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, PortalLogEntryAdmin)


@admin.register(PrintingPlan)
class PrintingPlanAdmin(admin.ModelAdmin):
    """The printing capacity behind the public estimate; the computed figures are shown only.

    Saving refreshes the figures and the cached result pages (distribution.printing_stats).
    """

    fields = (
        "cards_per_day_min",
        "cards_per_day_max",
        "working_weekdays",
        "blanks_left",
        "cards_allocated",
        "refreshed_at",
    )
    readonly_fields = ("blanks_left", "cards_allocated", "refreshed_at")
    list_display = ("__str__", "cards_per_day_min", "cards_per_day_max", "working_weekdays")

    def has_add_permission(self, request):
        return not PrintingPlan.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name")
    date_hierarchy = "date"
