"""The Django admin for Disdukcapil staff: residents, receipts, regions.

Built for a receipt table of millions of rows (issue 8): no unfiltered COUNT(*) per page
(``EstimatedCountPaginator``, ``show_full_result_count = False``), search by exact NIK or by
the beginning of a number or a name on indexed columns (never ``LIKE '%term%'``), every
foreign key of a list row fetched in the same query (``list_select_related``), and no
``date_hierarchy`` on receipts (it scans the table for its dates).
"""

import json
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from disdukcapil.admin_mixins import ReadOnlyAdminMixin
from disdukcapil.errors import ApplicationError
from receipts.models import (
    CLOSED_STATUSES,
    HeadOffice,
    Kecamatan,
    Kelurahan,
    Receipt,
    ReceiptEvent,
    Resident,
    Status,
)
from receipts.name_search import rank_by_name
from receipts.numbers import (
    MalformedReceiptNumber,
    normalize_receipt_number,
    validate_nik,
    validate_nik_matches,
)
from receipts.selectors import receipt_is_stale, stale_receipts
from receipts.services import (
    TRANSITIONS,
    receipt_create,
    receipt_details_check,
    receipt_transition,
    receipt_update_details,
)

# Statuses the printing, dispatch and counter pages own: the admin only puts receipts on
# hold, cancels them, and sends a receipt on hold back to where it can continue.
ADMIN_TARGETS = frozenset({Status.ON_HOLD, Status.CANCELLED})
MAX_ACTION_RECEIPTS = 500
_NIK_INPUT_RE = re.compile(r"^[0-9][0-9 .\-]{14,}[0-9]$")
# What an existing receipt's change form may edit (receipt_update_details), and where a
# refusal of its rules is shown.
DETAIL_FIELDS = ("recorded_at", "recorded_place", "collection_kecamatan")
_REFUSED_FIELD = {
    "recorded_at_locked": "recorded_at",
    "collection_kecamatan_locked": "collection_kecamatan",
}


def admin_targets(status: str) -> list[str]:
    """Statuses a receipt in ``status`` may be moved to from the admin, in table order."""
    allowed = TRANSITIONS.get(status, frozenset())
    targets = ADMIN_TARGETS | (TRANSITIONS[Status.ON_HOLD] if status == Status.ON_HOLD else set())
    return [s for s in Status.values if s in allowed and s in targets]


class EstimatedCountPaginator(Paginator):
    """Count exactly when filtered; estimate an unfiltered big table from the planner's stats.

    ``SELECT COUNT(*)`` over millions of receipts costs seconds on every page load; the page
    only needs the order of magnitude to draw its page links. Accepted imprecision: the
    unfiltered total is PostgreSQL's ``pg_class.reltuples`` (refreshed by autovacuum).
    """

    ESTIMATE_ABOVE = 10_000
    # A filtered list is counted exactly only when the planner expects few rows. Counting the
    # 500,000 `ready` receipts of 1,000,000 reads them all: 52-75 ms at best, and a Seq Scan
    # of the whole table until autovacuum has set the visibility map (bench/admin_bench.py,
    # tests/perf/test_explain.py). Above this the planner's row estimate is the count.
    ESTIMATE_FILTERED_ABOVE = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        connection = connections[queryset.db] if query is not None else None
        if connection is not None and connection.vendor == "postgresql":
            if not query.where:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] > self.ESTIMATE_ABOVE:
                    return int(row[0])
            else:
                estimate = planner_rows(queryset, connection)
                if estimate > self.ESTIMATE_FILTERED_ABOVE:
                    return estimate
        return super().count


def planner_rows(queryset, connection) -> int:
    """PostgreSQL's estimate of the rows ``queryset`` matches (EXPLAIN: plans, never runs)."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        # e.g. a search term that can match nothing (the admin returns ``.none()``).
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class BigTableAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Newest first along the primary key index; other orderings sort the whole table.
    ordering = ("-id",)


class StaleFilter(admin.SimpleListFilter):
    title = _("macet")
    parameter_name = "macet"

    def lookups(self, request, model_admin):
        return [
            (
                "ya",
                _("Macet: %(days)s hari tanpa perubahan (dicetak/dikirim)")
                % {"days": settings.STALE_AFTER_DAYS},
            )
        ]

    def queryset(self, request, queryset):
        if self.value() == "ya":
            return stale_receipts(queryset)
        return queryset


def search_receipts(queryset, term: str):
    """Filter ``queryset`` by a NIK (exact), a receipt number or a name (any word's beginning).

    16 digits are a NIK; anything with a digit is (the beginning of) a receipt number after
    normalisation; letters only are words of the holder's name, as at the counter. Each is
    served by an index: equality, ``LIKE 'TERM%'``, or the trigram index of the name words.
    """
    term = " ".join(term.split())
    if not term:
        return queryset
    if _NIK_INPUT_RE.match(term):
        nik = re.sub(r"[^0-9]", "", term)
        if len(nik) == 16:
            return queryset.filter(resident__nik=nik)
    if any(ch.isdigit() for ch in term):
        try:
            number = normalize_receipt_number(term)
        except MalformedReceiptNumber:
            return queryset.none()
        return queryset.filter(number__startswith=number)
    # Any word of the name, by prefix, accents and case ignored (receipts.name_search).
    return rank_by_name(queryset, term, name_path="resident__full_name")


class ReceiptEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReceiptEvent
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ReceiptAdminForm(forms.ModelForm):
    move_to = forms.ChoiceField(
        label=_("pindahkan ke status"),
        required=False,
        help_text=_(
            "Perubahan status dicatat di riwayat. Cetak, kirim dan serah terima punya "
            "halamannya sendiri; di sini hanya tahan, batalkan, atau lanjutkan resi yang ditahan."
        ),
    )
    move_note = forms.CharField(label=_("catatan perubahan status"), required=False, max_length=500)

    class Meta:
        model = Receipt
        fields = ("number", "resident", "recorded_at", "recorded_place", "collection_kecamatan")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "---------")]
        if self.instance.pk:
            choices += [(s, Status(s).label) for s in admin_targets(self.instance.status)]
        self.fields["move_to"].choices = choices
        if "collection_kecamatan" in self.fields and not self.instance.pk:
            self.fields["collection_kecamatan"].required = False
            self.fields["collection_kecamatan"].help_text = _(
                "Kosongkan untuk kecamatan domisili penduduk."
            )

    def clean(self):
        cleaned = super().clean()
        resident = cleaned.get("resident")
        # The form leaves status out, so Django skips the one-open-receipt constraint here.
        if (
            not self.instance.pk
            and resident is not None
            and resident.receipts.exclude(status__in=CLOSED_STATUSES).exists()
        ):
            self.add_error("resident", _("Penduduk ini sudah memiliki resi yang masih berjalan."))
        return cleaned

    def _post_clean(self):
        # Before the instance takes the form's values: the rules read the receipt as it is.
        if self.instance.pk and not self.errors:
            changes = {f: self.cleaned_data[f] for f in self.changed_data if f in DETAIL_FIELDS}
            try:
                receipt_details_check(receipt=self.instance, changes=changes)
            except ApplicationError as refusal:
                self.add_error(_REFUSED_FIELD.get(refusal.code), refusal.message)
        super()._post_clean()

    def clean_number(self):
        try:
            return normalize_receipt_number(self.cleaned_data["number"])
        except MalformedReceiptNumber:
            raise forms.ValidationError(
                _("Nomor resi hanya huruf dan angka, 6 sampai 24 karakter."), code="malformed"
            ) from None


class ChangeStatusActionForm(admin.helpers.ActionForm):
    to_status = forms.ChoiceField(
        label=_("ke status"),
        required=False,
        choices=[("", "---------")] + [(s, Status(s).label) for s in sorted(ADMIN_TARGETS)],
    )
    note = forms.CharField(label=_("catatan"), required=False, max_length=500)


@admin.action(description=_("Ubah status resi terpilih (pilih status dan catatan)"))
def change_status(modeladmin, request, queryset):
    to = request.POST.get("to_status", "")
    note = request.POST.get("note", "")[:500]
    if to not in ADMIN_TARGETS:
        modeladmin.message_user(
            request, gettext("Pilih status tujuan: ditahan atau dibatalkan."), messages.ERROR
        )
        return
    receipts = list(queryset.order_by("pk")[: MAX_ACTION_RECEIPTS + 1])
    if len(receipts) > MAX_ACTION_RECEIPTS:
        modeladmin.message_user(
            request,
            gettext("Paling banyak %(max)s resi sekaligus; persempit pilihan.")
            % {"max": MAX_ACTION_RECEIPTS},
            messages.ERROR,
        )
        return
    moved = 0
    for receipt in receipts:
        try:
            receipt_transition(receipt=receipt, to=to, actor=request.user, note=note)
        except ApplicationError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
        else:
            moved += 1
    if moved:
        modeladmin.message_user(
            request,
            gettext("%(count)s resi dipindahkan ke \u201c%(status)s\u201d.")
            % {"count": moved, "status": Status(to).label},
            messages.SUCCESS,
        )


@admin.register(Receipt)
class ReceiptAdmin(BigTableAdmin):
    form = ReceiptAdminForm
    action_form = ChangeStatusActionForm
    actions = [change_status]
    list_display = (
        "number",
        "holder",
        "collection_kecamatan",
        "status",
        "status_changed_at",
        "stale",
        "recorded_at",
    )
    list_filter = ("status", StaleFilter, "collection_kecamatan")
    list_select_related = ("resident", "collection_kecamatan")
    search_fields = ("number",)  # shows the search box; get_search_results does the work
    search_help_text = _(
        "Nomor resi (awal nomor boleh), NIK 16 angka, atau kata mana saja dari nama pemegang "
        "(awalnya saja boleh, mis. AMINAH atau SITI WAH)."
    )
    raw_id_fields = ("resident",)
    inlines = [ReceiptEventInline]

    @admin.display(description=_("pemegang"), ordering="resident__full_name")
    def holder(self, obj):
        return obj.resident.full_name

    @admin.display(description=_("macet"), boolean=True)
    def stale(self, obj):
        return receipt_is_stale(obj)

    def get_search_results(self, request, queryset, search_term):
        return search_receipts(queryset, search_term), False

    def changelist_view(self, request, extra_context=None):
        # At 1280 px the app menu on the left (300 px) pushed the last columns of the list
        # out of sight behind the filters; the list is the staff's daily page, so it gets
        # the width. The menu stays one click away (breadcrumbs, "Beranda").
        extra_context = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra_context)

    def has_delete_permission(self, request, obj=None):
        # Every receipt has its first event, which protects it (PROTECT): never offer it.
        return False

    def get_readonly_fields(self, request, obj=None):
        audit = ("status", "status_changed_at", "collected_at", "created_at", "stale")
        if obj is None:
            return ()
        return ("number", "resident") + audit

    def get_fields(self, request, obj=None):
        if obj is None:
            return (
                "number",
                "resident",
                "recorded_at",
                "recorded_place",
                "collection_kecamatan",
            )
        return (
            "number",
            "resident",
            "recorded_at",
            "recorded_place",
            "collection_kecamatan",
            "status",
            "stale",
            "status_changed_at",
            "collected_at",
            "created_at",
            "move_to",
            "move_note",
        )

    def save_model(self, request, obj, form, change):
        if not change:
            # The first event is written by the service, like every other receipt.
            created = receipt_create(
                resident=obj.resident,
                number=obj.number,
                recorded_at=obj.recorded_at,
                recorded_place=obj.recorded_place,
                collection_kecamatan=form.cleaned_data.get("collection_kecamatan"),
                actor=request.user,
                note=gettext("Dicatat lewat admin."),
            )
            obj.pk, obj._state = created.pk, created._state
            obj.status, obj.status_changed_at = created.status, created.status_changed_at
            obj.collection_kecamatan = created.collection_kecamatan
            return
        # Only what the form changed, through the service that owns the rules (never status).
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in DETAIL_FIELDS}
        to = form.cleaned_data.get("move_to")
        try:
            if changes:
                receipt_update_details(receipt=obj, actor=request.user, **changes)
            if to:
                receipt_transition(
                    receipt=obj, to=to, actor=request.user, note=form.cleaned_data["move_note"]
                )
        except ApplicationError as exc:
            # The form checked the same rules; this is a change made meanwhile by someone else.
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(ReceiptEvent)
class ReceiptEventAdmin(ReadOnlyAdminMixin, BigTableAdmin):
    list_display = ("receipt", "from_status", "to_status", "at", "actor", "note")
    # Newest first along the primary key: the model's (at, id) ordering would sort the table.
    ordering = ("-id",)
    list_filter = ("to_status",)
    list_select_related = ("receipt", "actor")
    search_fields = ("receipt__number",)
    search_help_text = _("Nomor resi (awal nomor boleh).")
    raw_id_fields = ("receipt", "actor")

    def get_search_results(self, request, queryset, search_term):
        try:
            number = normalize_receipt_number(search_term)
        except MalformedReceiptNumber:
            return (queryset.none() if search_term.strip() else queryset), False
        return queryset.filter(receipt__number__startswith=number), False


class ResidentAdminForm(forms.ModelForm):
    class Meta:
        model = Resident
        fields = ("nik", "full_name", "birth_date", "sex", "kelurahan", "address", "phone", "email")

    def clean_nik(self):
        # The model's validator runs only after clean(); clean() reads the digits of the NIK.
        nik = self.cleaned_data["nik"]
        validate_nik(nik)
        return nik

    def clean(self):
        cleaned = super().clean()
        nik, birth, sex = (cleaned.get(k) for k in ("nik", "birth_date", "sex"))
        if nik and birth and sex and not self.has_error("nik"):
            try:
                validate_nik_matches(nik, birth, sex)
            except forms.ValidationError as exc:
                self.add_error("nik", exc)
        return cleaned


@admin.register(Resident)
class ResidentAdmin(BigTableAdmin):
    form = ResidentAdminForm
    list_display = ("full_name", "nik", "birth_date", "sex", "kelurahan", "kecamatan")
    list_filter = ("sex", "kelurahan__kecamatan")
    list_select_related = ("kelurahan__kecamatan",)
    search_fields = ("nik",)
    search_help_text = _(
        "NIK 16 angka, atau kata mana saja dari nama (awalnya saja boleh, mis. AMINAH)."
    )
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description=_("kecamatan"), ordering="kelurahan__kecamatan__name")
    def kecamatan(self, obj):
        return obj.kelurahan.kecamatan

    def get_search_results(self, request, queryset, search_term):
        term = " ".join(search_term.split())
        if not term:
            return queryset, False
        digits = re.sub(r"[^0-9]", "", term)
        if len(digits) == 16 and _NIK_INPUT_RE.match(term):
            return queryset.filter(nik=digits), False
        if any(ch.isdigit() for ch in term):
            return queryset.none(), False
        # Any word of the name (served by resident_name_words_trgm on PostgreSQL).
        return rank_by_name(queryset, term), False


class KelurahanInline(admin.TabularInline):
    model = Kelurahan
    fields = ("code", "name")
    extra = 0


@admin.register(Kecamatan)
class KecamatanAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "slug", "contact_is_placeholder", "counter_hours", "phone")
    list_filter = ("contact_is_placeholder",)
    search_fields = ("name", "code")
    inlines = [KelurahanInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        kecamatan = self.get_object(request, object_id)
        if kecamatan is not None and kecamatan.contact_is_placeholder and request.method == "GET":
            self.message_user(
                request,
                gettext(
                    "Alamat, jam layanan dan telepon kecamatan ini masih CONTOH, belum "
                    "diverifikasi. Periksa dan perbaiki, lalu hapus centang "
                    "\u201calamat/jam masih contoh\u201d."
                ),
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Kelurahan)
class KelurahanAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kecamatan")
    list_filter = ("kecamatan",)
    list_select_related = ("kecamatan",)
    search_fields = ("name", "code")


@admin.register(HeadOffice)
class HeadOfficeAdmin(admin.ModelAdmin):
    """The one Disdukcapil office row: editable, never added twice nor deleted."""

    list_display = ("name", "contact_is_placeholder", "counter_hours", "phone", "whatsapp")

    def has_add_permission(self, request):
        return not HeadOffice.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        office = self.get_object(request, object_id)
        if office is not None and office.contact_is_placeholder and request.method == "GET":
            self.message_user(
                request,
                gettext(
                    "Alamat, jam layanan dan kontak kantor Disdukcapil masih CONTOH, belum "
                    "diverifikasi. Periksa dan perbaiki, lalu hapus centang "
                    "\u201calamat/jam masih contoh\u201d."
                ),
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)
