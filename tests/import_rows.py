"""Import files for the tests: two residents (Siti of Sepinggan, Budi of Prapatan) as CSV rows.

Plain helpers, not fixtures; the kelurahan they name are the ``sepinggan`` and ``prapatan``
fixtures of tests/conftest.py (``places`` in tests/receipts/conftest.py gives both).
"""

import datetime
import io

from demo.identities import make_nik
from receipts.importing import import_receipts
from receipts.models import Receipt, ReceiptEvent, Resident

HEADER = "nik,nama,tanggal_lahir,jenis_kelamin,kelurahan,nomor_resi,waktu_rekam,tempat_rekam,telepon,email,alamat"
SITI_NIK = make_nik(
    district_code="64.71.05", birth_date=datetime.date(1990, 3, 14), sex="P", serial=1
)
BUDI_NIK = make_nik(
    district_code="64.71.06", birth_date=datetime.date(1985, 12, 2), sex="L", serial=7
)


def siti(**overrides):
    row = {
        "nik": SITI_NIK,
        "nama": "Siti Wahyuni",
        "tanggal_lahir": "1990-03-14",
        "jenis_kelamin": "P",
        "kelurahan": "64.71.05.1002",
        "nomor_resi": "BPN-170801-0001",
        "waktu_rekam": "2017-08-01 09:30",
        "tempat_rekam": "Disdukcapil Kota Balikpapan",
        "telepon": "081234567890",
        "email": "",
        "alamat": "Jl. Sepinggan No. 1",
    }
    row.update(overrides)
    return row


def budi(**overrides):
    row = siti(
        nik=BUDI_NIK,
        nama="Budi Santoso",
        tanggal_lahir="02-12-1985",
        jenis_kelamin="L",
        kelurahan="Prapatan",
        nomor_resi="BPN1708020002",
        waktu_rekam="02-08-2017",
        telepon="",
        alamat="",
    )
    row.update(overrides)
    return row


def csv_text(*rows, sep=",", header=HEADER):
    lines = [header.replace(",", sep)]
    lines += [sep.join(row[name] for name in header.split(",")) for row in rows]
    return "\n".join(lines) + "\n"


def run(text, *, encoding="utf-8", **kwargs):
    rejects = []
    result = import_receipts(io.BytesIO(text.encode(encoding)), on_reject=rejects.append, **kwargs)
    return result, rejects


def counts():
    return (Resident.objects.count(), Receipt.objects.count(), ReceiptEvent.objects.count())


def mixed_rows(count=12):
    """Valid rows of distinct residents, with a rejected row of every kind in between."""
    rows = []
    for n in range(count):
        nik = make_nik(
            district_code="64.71.05", birth_date=datetime.date(1990, 3, 14), sex="P", serial=n + 1
        )
        rows.append(siti(nik=nik, nomor_resi=f"BPN17080100{n:02d}"))
    rows[2] = budi(nik="123")  # bad NIK (Python)
    rows[5] = budi(kelurahan="Atlantis")  # unknown kelurahan (Python)
    rows[7] = budi(nomor_resi="BPN1708010001")  # number already used in the file (SQL)
    rows[9] = budi(tanggal_lahir="31-02-1985")  # impossible date (Python)
    return rows
