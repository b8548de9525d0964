"""The English page of every status has no Indonesian left, except names and addresses.

Names and addresses (of the kecamatan, the kelurahan, the pickup place, the head office) and the
Indonesian names of documents and offices that English pages keep on purpose (Kartu Keluarga,
kecamatan, kelurahan, Disdukcapil, e-KTP) are removed first; what remains must contain none of
the common Indonesian words below.
"""

import html as html_lib
import re

import pytest
from django.urls import reverse

from receipts.models import Status
from tests.factories import BlankBatchFactory

from .conftest import make_receipt

# Words that occur in (nearly) every Indonesian sentence of the portal, and none of its English.
INDONESIAN = {
    "dan",
    "yang",
    "untuk",
    "anda",
    "sudah",
    "belum",
    "dengan",
    "datang",
    "kantor",
    "kartu",
    "cetak",
    "dicetak",
    "blanko",
    "antrean",
    "jadwal",
    "pengambilan",
    "layanan",
    "loket",
    "perlu",
    "bisa",
    "tidak",
    "ada",
    "ini",
    "di",
    "ke",
    "dari",
    "pada",
    "atau",
    "jika",
    "lagi",
    "siap",
    "diambil",
    "riwayat",
    "nomor",
    "alamat",
    "telepon",
    "bawa",
    "membawa",
    "wakil",
    "contoh",
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "sabtu",
    "minggu",
    "januari",
    "februari",
    "maret",
    "mei",
    "juni",
    "juli",
    "agustus",
    "oktober",
    "desember",
    "perkiraan",
    "resi",
    "urutan",
    "hari",
    "kerja",
    "tempat",
    "tahap",
    "bantuan",
    "perhatian",
    "masih",
    "sekitar",
    "antara",
    "laju",
    "perekaman",
    "atas",
    "nama",
}
# Kept in Indonesian on English pages on purpose (proper names of documents and offices).
KEPT = ["Kartu Keluarga", "Disdukcapil", "Bahasa Indonesia", "surat pindah"]


def visible_text(page: str, *, data: list[str]) -> str:
    body = page[page.index("<body") :]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", body))
    for value in sorted(data + KEPT, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def indonesian_words(text: str) -> list[str]:
    return sorted({w for w in re.findall(r"[a-zA-Z]+", text) if w.lower() in INDONESIAN})


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_english_page_of_every_status_has_no_indonesian(
    anonymous, sepinggan, schedule, head_office, status
):
    BlankBatchFactory(quantity=10)
    receipt = make_receipt(status, kelurahan=sepinggan, number="BPN1707010001")
    kecamatan = receipt.collection_kecamatan
    page = anonymous.get(
        reverse("receipts:lookup"), {"nomor": receipt.number}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert '<html lang="en">' in page
    data = [
        kecamatan.name,
        kecamatan.address,
        sepinggan.name,
        "Aula Kantor Kecamatan",
        "Loket 2",
        head_office.address,
        "BPN1707010001",
    ]
    assert indonesian_words(visible_text(page, data=data)) == []


@pytest.mark.parametrize("path", ["/", "/bantuan/", "/statistik/", "/cek/?nomor=BPN0000000000"])
def test_english_public_pages_have_no_indonesian(anonymous, head_office, path):
    page = anonymous.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert indonesian_words(visible_text(page, data=[head_office.address])) == []


def test_counter_hours_and_notes_follow_the_language(anonymous, sepinggan, schedule):
    receipt = make_receipt("ready", kelurahan=sepinggan, number="BPN1707010001")
    url = reverse("receipts:lookup")
    english = anonymous.get(url, {"nomor": receipt.number}, HTTP_ACCEPT_LANGUAGE="en")
    indonesian = anonymous.get(url, {"nomor": receipt.number}, HTTP_ACCEPT_LANGUAGE="id")
    assert "Monday–Friday 08:00–15:00 WITA" in english.content.decode()
    assert "Residents of Sepinggan only" in english.content.decode()
    assert "Balikpapan Selatan kecamatan office" in english.content.decode()
    assert "Senin–Jumat 08.00–15.00 WITA" in indonesian.content.decode()
    assert "Khusus Kelurahan Sepinggan" in indonesian.content.decode()


def test_the_detector_finds_indonesian():
    """The check above could pass on any page if the word list matched nothing."""
    assert indonesian_words("Kartu Anda sudah ada di kantor kecamatan") == [
        "Anda",
        "Kartu",
        "ada",
        "di",
        "kantor",
        "sudah",
    ]
