from django import forms
from django.utils.translation import gettext_lazy as _

from receipts.numbers import MalformedReceiptNumber, normalize_receipt_number

FORMAT_HINT = _(
    "Nomor resi tertulis di lembar resi perekaman, misalnya BPN-170805-0123: 6 sampai 24 "
    "huruf dan angka. Spasi dan tanda hubung boleh diketik atau tidak."
)


class LookupForm(forms.Form):
    """The public lookup: one receipt number, normalised (spaces, dashes, case)."""

    nomor = forms.CharField(
        label=_("Nomor resi"),
        strip=True,
        error_messages={"required": _("Nomor resi belum diisi. Ketik nomor dari lembar resi.")},
    )

    def clean_nomor(self):
        try:
            return normalize_receipt_number(self.cleaned_data["nomor"])
        except MalformedReceiptNumber:
            raise forms.ValidationError(
                _(
                    "Nomor resi ini tidak dikenali bentuknya. Periksa lagi nomor di lembar resi: "
                    "hanya huruf dan angka, 6 sampai 24 karakter."
                ),
                code="malformed",
            ) from None
