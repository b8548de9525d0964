"""Forms of the staff pages. Rules about state (stock, queue) live in distribution.services."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from receipts.models import Kecamatan


def _today():
    return timezone.localdate()


def _date_input():
    # <input type="date"> accepts only ISO dates; the Indonesian locale's default format
    # (28/11/2026) would leave the box empty and the form would say the field is required.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PrintRunForm(forms.Form):
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=Kecamatan.objects.order_by("code"),
        required=False,
        empty_label=_("Semua kecamatan"),
    )
    count = forms.IntegerField(
        label=_("Jumlah kartu"),
        min_value=1,
        max_value=100_000,
        error_messages={"min_value": _("Jumlah kartu harus lebih dari nol.")},
    )
    cutoff_date = forms.DateField(
        label=_("Batas tanggal resi"),
        initial=_today,
        widget=_date_input(),
        help_text=_("Resi yang direkam sampai tanggal ini (WITA) ikut antrean."),
    )

    def clean_cutoff_date(self):
        cutoff = self.cleaned_data["cutoff_date"]
        if cutoff > timezone.localdate():
            raise forms.ValidationError(_("Batas tanggal resi tidak boleh melewati hari ini."))
        return cutoff


class SpoilCardForm(forms.Form):
    note = forms.CharField(label=_("Catatan"), max_length=255, required=False)


class DispatchReceiveForm(forms.Form):
    missing = forms.TypedMultipleChoiceField(
        label=_("Kartu yang tidak ada"), coerce=int, required=False
    )
    note = forms.CharField(label=_("Catatan"), max_length=255, required=False)

    def __init__(self, *args, card_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["missing"].choices = card_choices


MAX_DAYS_AHEAD = 366


class PickupScheduleForm(forms.Form):
    start_date = forms.DateField(label=_("Mulai tanggal"), widget=_date_input())
    start_time = forms.TimeField(
        label=_("Jam mulai"),
        initial=datetime.time(8),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("Jam selesai"),
        initial=datetime.time(14),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    # Residents are told where to come: a day without a place is not publishable.
    place = forms.CharField(
        label=_("Tempat"),
        max_length=255,
        error_messages={"required": _("Tempat pengambilan wajib diisi.")},
    )

    def clean_start_date(self):
        # Pickup days are announced weeks ahead, not years; a date far off is a typo (and the
        # days after 31-12-9999 do not exist: planning from there overflowed into a 500).
        start = self.cleaned_data["start_date"]
        if start > timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(_("Tanggal mulai paling lambat satu tahun dari hari ini."))
        return start

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            raise forms.ValidationError(_("Jam selesai harus setelah jam mulai."))
        return cleaned


class PickupDayForm(forms.Form):
    """Correct one published pickup day (the services check counter days and hours)."""

    date = forms.DateField(label=_("Tanggal"), widget=_date_input())
    start_time = forms.TimeField(
        label=_("Jam mulai"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Jam selesai"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(
        label=_("Tempat"),
        max_length=255,
        error_messages={"required": _("Tempat pengambilan wajib diisi.")},
    )
    note = forms.CharField(label=_("Catatan"), max_length=255, required=False)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError(_("Tanggal paling lambat satu tahun dari hari ini."))
        return day


class BlankBatchForm(forms.Form):
    reference = forms.CharField(label=_("Nomor surat/referensi"), max_length=100)
    quantity = forms.IntegerField(label=_("Jumlah blanko"), min_value=1, max_value=10_000_000)
    received_on = forms.DateField(
        label=_("Tanggal diterima"),
        initial=_today,
        widget=_date_input(),
    )
    note = forms.CharField(label=_("Catatan"), max_length=255, required=False)
