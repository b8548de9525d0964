"""Texts with placeholders: the facts a message may carry, rendering, SMS length."""

import string
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from notifications.defaults import default_template
from notifications.models import MessageTemplate
from receipts import hours

# Everything a text may contain. Deliberately no NIK, birth date, resident address or name.
PLACEHOLDERS = {
    "nomor": _("nomor resi"),
    "kecamatan": _("nama kecamatan pengambilan"),
    "alamat_kantor": _("alamat kantor kecamatan"),
    "jam_layanan": _("jam layanan loket"),
    "telepon_kantor": _("telepon kantor kecamatan"),
    "jadwal": _("kalimat jadwal pengambilan (kosong bila belum ada)"),
    "jadwal_tanggal": _("tanggal dan jam jadwal pengambilan"),
    "tempat_jadwal": _("tempat jadwal pengambilan"),
    "jadwal_berikutnya": _("kalimat jadwal berikutnya setelah pembatalan (bila ada)"),
    "hari": _("berapa hari kartu sudah menunggu"),
    "tautan": _("tautan halaman cek resi"),
    "berhenti": _("tautan berhenti berlangganan (e-mail)"),
    "alamat_disdukcapil": _("alamat kantor Disdukcapil"),
    "jam_disdukcapil": _("jam layanan Disdukcapil"),
}

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = set("^{}\\[~]|€")


@dataclass(frozen=True)
class SmsLength:
    characters: int
    segments: int
    encoding: str  # "GSM-7" or "UCS-2"


def sms_length(text: str) -> SmsLength:
    """Characters and segments as a GSM network counts them (160/153, or 70/67 in UCS-2)."""
    if all(c in GSM7 or c in GSM7_EXT for c in text):
        units = sum(2 if c in GSM7_EXT else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return SmsLength(characters=units, segments=segments if units else 0, encoding=encoding)


def placeholders_in(text: str) -> list[str]:
    """The placeholder names of ``text`` in order of appearance (WhatsApp parameters)."""
    names = []
    for _literal, name, _spec, _conv in string.Formatter().parse(text):
        if name is not None:
            names.append(name)
    return names


def unknown_placeholders(text: str) -> list[str]:
    try:
        names = placeholders_in(text)
    except ValueError:
        return ["{"]
    return [n for n in names if n not in PLACEHOLDERS]


def template_for(*, occasion: str, channel: str, language: str) -> dict:
    row = MessageTemplate.objects.filter(
        occasion=occasion, channel=channel, language=language
    ).first()
    if row is None:
        return default_template(occasion=occasion, channel=channel, language=language)
    return {"subject": row.subject, "body": row.body, "whatsapp_template": row.whatsapp_template}


def opt_out_token(*, resident_id: int, channel: str) -> str:
    return signing.dumps({"r": resident_id, "c": channel}, salt="notifications.optout")


def opt_out_url(*, resident_id: int, channel: str) -> str:
    token = opt_out_token(resident_id=resident_id, channel=channel)
    return settings.PUBLIC_BASE_URL + reverse("notifications:opt_out", args=[token])


def _schedule_text(schedule, language: str) -> str:
    if schedule is None:
        return ""
    with translation.override(language):
        day = formats.date_format(schedule.date, "l, j F Y")
    return f"{day} {schedule.start_time:%H.%M}-{schedule.end_time:%H.%M}"


# Placeholders that name the pickup day: a message using one told the resident that day.
SCHEDULE_PLACEHOLDERS = {"jadwal", "jadwal_tanggal", "tempat_jadwal", "jadwal_berikutnya"}


def names_schedule(text: str) -> bool:
    try:
        return bool(SCHEDULE_PLACEHOLDERS.intersection(placeholders_in(text)))
    except ValueError:
        return False


def _next_day_text(schedule, language: str) -> str:
    when = _schedule_text(schedule, language)
    if not when:
        if language == "id":
            return "Jadwal baru akan diberitahukan; kartu tetap bisa diambil di jam loket. "
        return "A new day will be announced; the card can still be collected in office hours. "
    place = f" di {schedule.place}" if language == "id" else f" at {schedule.place}"
    place = place if schedule.place else ""
    if language == "id":
        return f"Jadwal berikutnya: {when}{place}. "
    return f"Next pickup day: {when}{place}. "


def facts_for(*, receipt, language: str, schedule=None, today=None, change=None) -> dict:
    """The values of every placeholder for one receipt (caller passes the pickup day).

    ``change`` (a PickupChange) is the corrected or cancelled day a message tells about: its
    date is ``jadwal_tanggal``, and ``schedule`` is then the next day still published.
    """
    kecamatan = receipt.collection_kecamatan
    next_day = ""
    if change is not None:
        if change.change == "cancelled":
            next_day = _next_day_text(schedule, language)
        schedule = change
    when = _schedule_text(schedule, language)
    if when:
        jadwal = (
            f"Jadwal ambil kelurahan Anda: {when}. "
            if language == "id"
            else f"Your kelurahan's pickup day: {when}. "
        )
    else:
        jadwal = ""
    today = today or timezone.localdate()
    days = (today - timezone.localtime(receipt.status_changed_at).date()).days
    return {
        "nomor": receipt.number,
        "kecamatan": kecamatan.name,
        "alamat_kantor": kecamatan.address or "-",
        "jam_layanan": _hours(kecamatan.counter_hours, language),
        "telepon_kantor": kecamatan.phone or "-",
        "jadwal": jadwal,
        "jadwal_tanggal": when or "-",
        "tempat_jadwal": (getattr(schedule, "place", "") or kecamatan.address or "-"),
        "jadwal_berikutnya": next_day,
        "hari": str(max(days, 0)),
        "tautan": settings.PUBLIC_BASE_URL + receipt.get_absolute_url(),
        "berhenti": "",
        "alamat_disdukcapil": settings.NOTIFY_HEAD_OFFICE_ADDRESS,
        "jam_disdukcapil": settings.NOTIFY_HEAD_OFFICE_HOURS,
    }


def _hours(value: str, language: str) -> str:
    """Counter hours as the public page shows them (receipts.hours), in the reader's language."""
    if not value:
        return "-"
    with translation.override(language):
        return hours.render(value)


class _Facts(dict):
    def __missing__(self, key):
        return ""


def render(text: str, facts: dict) -> str:
    return text.format_map(_Facts(facts)) if text else ""


def render_parameters(text: str, facts: dict) -> list[str]:
    """WhatsApp template parameters: the placeholders' values in order of appearance."""
    return [str(facts.get(name, "")) or "-" for name in placeholders_in(text)]


SAMPLE_FACTS = {
    "nomor": "BPN1708050123",
    "kecamatan": "Balikpapan Selatan",
    "alamat_kantor": "Jl. Jenderal Sudirman No. 1",
    "jam_layanan": "Senin-Jumat 08.00-15.00 WITA",
    "telepon_kantor": "(0542) 123456",
    "jadwal": "Jadwal ambil kelurahan Anda: Senin, 7 Desember 2026 08.00-12.00. ",
    "jadwal_tanggal": "Senin, 7 Desember 2026 08.00-12.00",
    "tempat_jadwal": "Aula Kantor Kecamatan",
    "jadwal_berikutnya": "Jadwal berikutnya: Rabu, 9 Desember 2026 08.00-12.00. ",
    "hari": "14",
    "tautan": "https://ektp.balikpapan.go.id/cek/?nomor=BPN1708050123",
    "berhenti": "https://ektp.balikpapan.go.id/pesan/berhenti/...",
    "alamat_disdukcapil": "Jl. Jenderal Sudirman No. 1, Balikpapan",
    "jam_disdukcapil": "Senin-Jumat 08.00-15.00 WITA",
}
