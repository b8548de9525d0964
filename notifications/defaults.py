"""Built-in texts, used until staff store their own (MessageTemplate rows).

Placeholders are the only facts a message carries: the receipt number, the office, its hours
and phone, the pickup day, links. None of them is a NIK, a birth date, an address of the
resident or a name (see rendering.PLACEHOLDERS).
"""

_SHORT = {
    "id": {
        "ready": (
            "e-KTP resi {nomor} SIAP DIAMBIL di Kantor Kec. {kecamatan}, {alamat_kantor}, "
            "{jam_layanan}. {jadwal}Bawa resi asli. Diwakilkan: bawa KK yang sama atau surat "
            "kuasa + KTP wakil. Cek: {tautan}"
        ),
        "pickup_day": (
            "Jadwal ambil e-KTP resi {nomor}: {jadwal_tanggal} di Kec. {kecamatan}, "
            "{alamat_kantor}. Bawa resi asli. Cek: {tautan}"
        ),
        "pickup_reminder": (
            "Pengingat: BESOK {jadwal_tanggal} jadwal ambil e-KTP resi {nomor} di Kec. "
            "{kecamatan}. Bawa resi asli."
        ),
        "uncollected_1": (
            "e-KTP resi {nomor} sudah {hari} hari menunggu di Kec. {kecamatan}, "
            "{alamat_kantor}, {jam_layanan}. Segera ambil, bawa resi asli."
        ),
        "uncollected_2": (
            "e-KTP resi {nomor} belum diambil setelah {hari} hari. Ambil di Kec. {kecamatan}, "
            "{jam_layanan}. Info: {telepon_kantor}"
        ),
        "on_hold": (
            "Resi {nomor}: data perlu diperiksa. Silakan datang ke Disdukcapil, "
            "{alamat_disdukcapil}, {jam_disdukcapil}. Bawa resi asli dan KK."
        ),
        "pickup_changed": (
            "PERUBAHAN jadwal ambil e-KTP resi {nomor}: sekarang {jadwal_tanggal} di "
            "{tempat_jadwal}, Kec. {kecamatan}. Jadwal sebelumnya tidak berlaku. Cek: {tautan}"
        ),
        "pickup_cancelled": (
            "Jadwal ambil e-KTP resi {nomor} pada {jadwal_tanggal} di Kec. {kecamatan} "
            "DIBATALKAN. {jadwal_berikutnya}Cek: {tautan}"
        ),
    },
    "en": {
        "ready": (
            "e-KTP receipt {nomor} is READY at the {kecamatan} district office, "
            "{alamat_kantor}, {jam_layanan}. {jadwal}Bring the original receipt. A proxy "
            "needs the same family card (KK) or a letter of authority. Check: {tautan}"
        ),
        "pickup_day": (
            "Pickup day for e-KTP receipt {nomor}: {jadwal_tanggal} at the {kecamatan} "
            "office, {alamat_kantor}. Bring the original receipt. Check: {tautan}"
        ),
        "pickup_reminder": (
            "Reminder: TOMORROW {jadwal_tanggal} is the pickup day for e-KTP receipt "
            "{nomor} at the {kecamatan} office. Bring the original receipt."
        ),
        "uncollected_1": (
            "e-KTP receipt {nomor} has waited {hari} days at the {kecamatan} office, "
            "{alamat_kantor}, {jam_layanan}. Please collect it with the original receipt."
        ),
        "uncollected_2": (
            "e-KTP receipt {nomor} is still uncollected after {hari} days. {kecamatan} "
            "office, {jam_layanan}. Info: {telepon_kantor}"
        ),
        "on_hold": (
            "Receipt {nomor}: your data needs checking. Please visit Disdukcapil, "
            "{alamat_disdukcapil}, {jam_disdukcapil}. Bring the original receipt and KK."
        ),
        "pickup_changed": (
            "CHANGED pickup day for e-KTP receipt {nomor}: now {jadwal_tanggal} at "
            "{tempat_jadwal}, {kecamatan} office. The earlier day no longer applies. "
            "Check: {tautan}"
        ),
        "pickup_cancelled": (
            "The pickup day of {jadwal_tanggal} for e-KTP receipt {nomor} at the {kecamatan} "
            "office is CANCELLED. {jadwal_berikutnya}Check: {tautan}"
        ),
    },
}

_SUBJECT = {
    "id": {
        "ready": "e-KTP Anda siap diambil (resi {nomor})",
        "pickup_day": "Jadwal pengambilan e-KTP (resi {nomor})",
        "pickup_reminder": "Besok jadwal pengambilan e-KTP (resi {nomor})",
        "uncollected_1": "e-KTP Anda belum diambil (resi {nomor})",
        "uncollected_2": "e-KTP Anda belum diambil (resi {nomor})",
        "on_hold": "Resi {nomor}: mohon datang ke Disdukcapil",
        "pickup_changed": "Jadwal pengambilan e-KTP diubah (resi {nomor})",
        "pickup_cancelled": "Jadwal pengambilan e-KTP dibatalkan (resi {nomor})",
    },
    "en": {
        "ready": "Your e-KTP is ready (receipt {nomor})",
        "pickup_day": "e-KTP pickup day (receipt {nomor})",
        "pickup_reminder": "Tomorrow is your e-KTP pickup day (receipt {nomor})",
        "uncollected_1": "Your e-KTP is waiting (receipt {nomor})",
        "uncollected_2": "Your e-KTP is waiting (receipt {nomor})",
        "on_hold": "Receipt {nomor}: please visit Disdukcapil",
        "pickup_changed": "Your e-KTP pickup day has changed (receipt {nomor})",
        "pickup_cancelled": "Your e-KTP pickup day is cancelled (receipt {nomor})",
    },
}

_EMAIL_FOOTER = {
    "id": "\n\nTidak ingin menerima e-mail ini lagi? {berhenti}\n\nDisdukcapil Kota Balikpapan",
    "en": "\n\nDo not want these e-mails? {berhenti}\n\nDisdukcapil Kota Balikpapan",
}

_SMS_FOOTER = {"id": " Balas STOP utk berhenti.", "en": " Reply STOP to opt out."}


def default_template(*, occasion: str, channel: str, language: str) -> dict:
    """The built-in subject/body/WhatsApp template name for an occasion, channel, language."""
    language = language if language in _SHORT else "id"
    body = _SHORT[language][occasion]
    subject = ""
    if channel == "email":
        subject = _SUBJECT[language][occasion]
        body = body + _EMAIL_FOOTER[language]
    elif channel == "sms":
        body = body + _SMS_FOOTER[language]
    return {
        "subject": subject,
        "body": body,
        "whatsapp_template": f"ektp_{occasion}" if channel == "whatsapp" else "",
    }
