"""Forms of the counter application. They check input shape; the services decide the rules."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distribution.models import HandOver, IdDocumentType


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Nomor resi, NIK, atau nama"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "type": "search", "class": "big"}
        ),
    )


class HandOverForm(forms.Form):
    collected_by = forms.ChoiceField(
        label=_("Diambil oleh"),
        choices=HandOver.CollectedBy.choices,
        initial=HandOver.CollectedBy.RESIDENT,
        widget=forms.RadioSelect,
    )
    identity_check = forms.ChoiceField(
        label=_("Cara identitas dicocokkan"),
        choices=HandOver.IdentityCheck.choices,
        widget=forms.RadioSelect,
    )
    proxy_name = forms.CharField(label=_("Nama wakil"), max_length=150, required=False)
    proxy_relationship = forms.CharField(
        label=_("Hubungan dengan pemilik"),
        max_length=60,
        required=False,
        help_text=_("Misalnya suami, istri, anak, orang tua."),
    )
    proxy_authority = forms.ChoiceField(
        label=_("Dasar perwakilan"),
        choices=[("", _("— pilih —")), *HandOver.ProxyAuthority.choices],
        required=False,
    )
    id_document_type = forms.ModelChoiceField(
        label=_("Dokumen identitas pengambil"),
        queryset=IdDocumentType.objects.filter(active=True),
        required=False,
        empty_label=_("— tidak ada —"),
    )
    id_document_number = forms.CharField(label=_("Nomor dokumen"), max_length=40, required=False)
    note = forms.CharField(label=_("Catatan (opsional)"), max_length=500, required=False)

    # The ways a resident collecting in person can be checked with one button each; the
    # document check needs the document's fields and has its own small form.
    SELF_CHECKS = (
        HandOver.IdentityCheck.RECEIPT,
        HandOver.IdentityCheck.FINGERPRINT,
        HandOver.IdentityCheck.FACE,
    )

    def __init__(self, *args, proxy=False, **kwargs):
        super().__init__(*args, **kwargs)
        if proxy:
            # The proxy screen: the browser refuses an empty required field before the round
            # trip, and the proxy's KTP-el (the first document type) is the usual case.
            for name in (
                "proxy_name",
                "proxy_relationship",
                "proxy_authority",
                "id_document_type",
                "id_document_number",
            ):
                self.fields[name].widget.attrs["required"] = True
            self.fields["proxy_name"].widget.attrs["autofocus"] = True
            first_type = self.fields["id_document_type"].queryset.first()
            if first_type is not None:
                self.fields["id_document_type"].initial = first_type.pk

    @classmethod
    def self_check_choices(cls):
        return [(check.value, check.label) for check in cls.SELF_CHECKS]

    def clean(self):
        data = super().clean()
        if data.get("collected_by") == HandOver.CollectedBy.PROXY:
            for field in ("proxy_name", "proxy_relationship", "proxy_authority"):
                if not data.get(field):
                    self.add_error(field, _("Wajib diisi jika diwakilkan."))
            if not data.get("id_document_type"):
                self.add_error("id_document_type", _("Wajib diisi jika diwakilkan."))
            if not data.get("id_document_number"):
                self.add_error("id_document_number", _("Wajib diisi jika diwakilkan."))
        if data.get("identity_check") == HandOver.IdentityCheck.DOCUMENT:
            if not data.get("id_document_type"):
                self.add_error("id_document_type", _("Pilih dokumen yang diperiksa."))
            if not data.get("id_document_number"):
                self.add_error("id_document_number", _("Isi nomor dokumen yang diperiksa."))
        return data


# e-KTP cards were first handed over in 2011; earlier days can only be typos.
FIRST_HANDOVER_DAY = datetime.date(2011, 1, 1)


class DayForm(forms.Form):
    """The day of the hand-over list: today or a past day (nothing is handed over tomorrow)."""

    tanggal = forms.DateField(
        label=_("Tanggal"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Tanggal tidak dikenal; gunakan format TTTT-BB-HH.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tanggal"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_tanggal(self):
        day = self.cleaned_data["tanggal"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Tanggal tidak boleh setelah hari ini."))
        if day < FIRST_HANDOVER_DAY:
            raise forms.ValidationError(_("Tidak ada serah terima e-KTP sebelum tahun 2011."))
        return day


class UndoForm(forms.Form):
    # The exact hand-over the form was opened for (issue 16, finding 12): a form left open
    # while the hand-over was undone and the card handed over again must not undo the new one.
    handover = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"required": _("Muat ulang halaman ini lalu coba lagi.")},
    )
    reason = forms.CharField(
        label=_("Alasan pembatalan"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tuliskan alasan pembatalan.")},
    )


class ArrivalForm(forms.Form):
    missing = forms.MultipleChoiceField(
        label=_("Kartu yang TIDAK ada dalam kiriman"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Catatan"), max_length=500, required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["missing"].choices = [
            (
                str(item.card_id),
                f"{item.card.serial} · {item.card.receipt.number} · {item.card.receipt.resident.full_name}",
            )
            for item in items
        ]

    def clean(self):
        data = super().clean()
        if data.get("missing") and not data.get("note"):
            self.add_error("note", _("Jelaskan kartu yang tidak ada."))
        return data
