"""What a resident's SMS/WhatsApp asks, and our answer: the facts of the public page."""

import re

from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from distribution.models import PickupSchedule
from receipts import hours
from receipts.models import Receipt, Status
from receipts.numbers import MalformedReceiptNumber, normalize_receipt_number

# "KTP BPN-170805-0123", "cek bpn 170805 0123", "Ktp:BPN1708050123"
QUERY_RE = re.compile(r"^\s*(KTP|CEK)\b[\s:.\-]*(.*)$", re.IGNORECASE | re.DOTALL)
STOP_WORDS = frozenset({"STOP", "BERHENTI", "UNREG", "UNSUBSCRIBE"})

SCHEDULE_STATUSES = (Status.DISPATCHED, Status.READY)


def is_stop(text: str) -> bool:
    return (text or "").strip().upper() in STOP_WORDS


def help_text() -> str:
    return _(
        "Layanan e-KTP Disdukcapil Balikpapan. Kirim: KTP <nomor resi>, mis. KTP BPN-170805-0123. "
        "Balas STOP untuk berhenti menerima pesan."
    )


def _pickup_day(receipt: Receipt) -> str:
    schedule = (
        PickupSchedule.objects.filter(
            kecamatan_id=receipt.collection_kecamatan_id, date__gte=timezone.localdate()
        )
        .filter(Q(kelurahan_id=receipt.resident.kelurahan_id) | Q(kelurahan__isnull=True))
        .order_by("date", "start_time")
        .first()
    )
    if schedule is None:
        return ""
    day = formats.date_format(schedule.date, "l, j F Y")
    return f"{day} {schedule.start_time:%H.%M}-{schedule.end_time:%H.%M}"


def answer(text: str, *, language: str = "id") -> str:
    """The reply to an inbound text: the receipt's public facts, or the help text."""
    with translation.override(language):
        match = QUERY_RE.match(text or "")
        if not match:
            return help_text()
        try:
            number = normalize_receipt_number(match.group(2))
        except MalformedReceiptNumber:
            return _("Nomor resi tidak sah. ") + help_text()
        receipt = (
            Receipt.objects.select_related("collection_kecamatan", "resident__kelurahan")
            .filter(number=number)
            .first()
        )
        if receipt is None:
            return _(
                "Resi %(number)s tidak ditemukan. Periksa lagi nomornya (lihat resi kertas Anda)."
            ) % {"number": number}
        parts = [
            _("Resi %(number)s: %(status)s.")
            % {"number": number, "status": Status(receipt.status).label}
        ]
        office = receipt.collection_kecamatan
        if receipt.status in SCHEDULE_STATUSES:
            parts.append(
                _("Ambil di Kantor Kec. %(name)s, %(address)s, %(hours)s.")
                % {
                    "name": office.name,
                    "address": office.address or "-",
                    "hours": hours.render(office.counter_hours) if office.counter_hours else "-",
                }
            )
            day = _pickup_day(receipt)
            if day:
                parts.append(_("Jadwal: %(day)s.") % {"day": day})
            if receipt.status == Status.READY:
                parts.append(_("Bawa resi asli; wakil membawa KK yang sama atau surat kuasa."))
        elif receipt.status == Status.ON_HOLD:
            parts.append(_("Silakan datang ke kantor Disdukcapil dengan resi asli dan KK."))
        return " ".join(parts)
