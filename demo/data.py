"""The fixed facts of the demo data set: the story's dates and figures, names, streets, notes.

The story (``seed/`` news article): in January 2018 Ditjen Dukcapil sent 80,000 blanks; the
office printed every receipt issued on or before 5 August 2017, sent ~60,000 cards to the six
kecamatan offices and still had ~20,000 in printing, while later receipts wait for the next
batch. ``demo.seeding`` turns these into rows; nothing here touches the database.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")
SEED = 20180208
STORY_NOW = datetime.datetime(2018, 2, 8, 14, 0, tzinfo=WITA)
CUTOFF = datetime.date(2017, 8, 5)
DEMO_LAST_NAME = "(DEMO)"

# Kecamatan name -> short slug used in account names (loket.<slug>, spv.<slug>).
SLUGS = {
    "Balikpapan Selatan": "selatan",
    "Balikpapan Kota": "kota",
    "Balikpapan Timur": "timur",
    "Balikpapan Utara": "utara",
    "Balikpapan Tengah": "tengah",
    "Balikpapan Barat": "barat",
}

# Invented office contacts: the real addresses and hours were not found in public sources, so
# every kecamatan is flagged ``contact_is_placeholder`` and the admin says so.
PLACEHOLDER_CONTACTS = {
    "selatan": ("Jl. Marsma R. Iswahyudi No. 12, Sepinggan (alamat contoh)", "0542-000-0105"),
    "kota": ("Jl. Jend. Sudirman No. 45, Prapatan (alamat contoh)", "0542-000-0106"),
    "timur": ("Jl. Mulawarman No. 8, Manggar (alamat contoh)", "0542-000-0101"),
    "utara": ("Jl. Soekarno-Hatta Km. 3, Batu Ampar (alamat contoh)", "0542-000-0103"),
    "tengah": ("Jl. Letjen Suprapto No. 21, Karang Rejo (alamat contoh)", "0542-000-0104"),
    "barat": ("Jl. Letjen Suprapto No. 2, Baru Ilir (alamat contoh)", "0542-000-0102"),
}
# Structured (receipts.hours): rendered "Senin–Kamis 08.00–15.00, Jumat 08.00–11.00 WITA".
COUNTER_HOURS = "1-4 08:00-15:00; 5 08:00-11:00"
# The Disdukcapil office itself, invented like the kecamatan contacts and flagged as such.
HEAD_OFFICE = {
    "address": "Jl. Jenderal Sudirman No. 1, Balikpapan (alamat contoh)",
    "counter_hours": "1-4 08:00-15:00; 5 08:00-11:00",
    "phone": "0542-000-0100",
    "whatsapp": "0812-0000-0100",
    "email": "disdukcapil@example.go.id",
    "note": "Ambil nomor antrean di lantai 1 (catatan contoh).",
    "note_en": "Take a queue number on the ground floor (sample note).",
    "contact_is_placeholder": True,
}

ID_DOCUMENT_TYPES = [
    "KTP-el lama",
    "Surat Keterangan (Suket) pengganti KTP-el",
    "Kartu Keluarga (KK)",
    "SIM",
    "Paspor",
    "Kartu Pelajar/Mahasiswa",
    "Akta Kelahiran",
]

MALE_FIRST = [
    "Muhammad",
    "Ahmad",
    "Agus",
    "Budi",
    "Andi",
    "Rizky",
    "Dedi",
    "Hendra",
    "Joko",
    "Slamet",
    "Eko",
    "Bambang",
    "Wahyu",
    "Arif",
    "Fajar",
    "Irfan",
    "Rudi",
    "Yusuf",
    "Dimas",
    "Fikri",
    "Hasan",
    "Ilham",
    "Reza",
    "Syahrul",
    "Teguh",
    "Bayu",
    "Rahmat",
    "Surya",
    "Dani",
    "Galih",
    "Iwan",
    "Adi",
    "Putra",
    "Yoga",
    "Aditya",
    "Hadi",
    "Anton",
    "Rizal",
    "Ridwan",
    "Taufik",
    "Zainal",
    "Haris",
]
FEMALE_FIRST = [
    "Siti",
    "Nur",
    "Dewi",
    "Sri",
    "Rina",
    "Ani",
    "Wulan",
    "Fitri",
    "Indah",
    "Ayu",
    "Putri",
    "Lestari",
    "Ratna",
    "Yuliana",
    "Rahma",
    "Dian",
    "Mega",
    "Novi",
    "Eka",
    "Nurul",
    "Aisyah",
    "Fatimah",
    "Intan",
    "Maya",
    "Rini",
    "Tri",
    "Wahyuni",
    "Yanti",
    "Sari",
    "Kartika",
    "Citra",
    "Anisa",
    "Devi",
    "Lina",
    "Melati",
    "Puspita",
    "Hana",
    "Nabila",
    "Dwi",
    "Ratih",
    "Irma",
]
FAMILY = [
    "Pratama",
    "Saputra",
    "Wijaya",
    "Hidayat",
    "Kurniawan",
    "Setiawan",
    "Santoso",
    "Nugroho",
    "Siregar",
    "Lubis",
    "Harahap",
    "Nasution",
    "Rahman",
    "Hakim",
    "Syahputra",
    "Susanto",
    "Hartono",
    "Gunawan",
    "Ramadhan",
    "Firmansyah",
    "Maulana",
    "Purnomo",
    "Wibowo",
    "Utami",
    "Handayani",
    "Permata",
    "Sulistyo",
    "Rusdi",
    "Baharuddin",
    "Daeng",
    "Paluseri",
    "Tarigan",
    "Sinaga",
    "Simanjuntak",
    "Manurung",
    "Effendi",
    "Arifin",
    "Kusuma",
    "Suryadi",
    "Anwar",
    "Aminah",
    "Yulianti",
    "Safitri",
    "Rahayu",
    "Anggraini",
    "Hasibuan",
    "Latief",
    "Mappaseng",
    "Tandiarrang",
]
STREETS = [
    "Jl. MT Haryono",
    "Jl. Ahmad Yani",
    "Jl. Soekarno-Hatta",
    "Jl. Marsma R. Iswahyudi",
    "Jl. Mulawarman",
    "Jl. Letjen Suprapto",
    "Jl. Sepinggan Baru",
    "Jl. Gunung Malang",
    "Jl. Pandan Sari",
    "Jl. Beller",
    "Jl. Syarifuddin Yoes",
    "Jl. Prona",
    "Jl. Manunggal",
    "Jl. Indrakila",
    "Jl. Kol. Syarifuddin",
]

# NIK district codes of people who recorded elsewhere before moving to Balikpapan.
MOVED_FROM = ["64.72.01", "64.72.04", "64.01.03", "64.02.01", "73.71.02", "35.78.05", "33.74.01"]

CANCEL_NOTES = [
    "Diganti resi baru (perekaman ulang).",
    "Data ganda, diselesaikan: resi lain yang berlaku.",
    "Pindah domisili ke luar Kota Balikpapan.",
    "Meninggal dunia (akta kematian diterima).",
]
HOLD_NOTES = [
    "Data ganda (duplicate record) di pusat: harap datang ke Disdukcapil.",
    "Sidik jari tidak terbaca: perlu rekam ulang di Disdukcapil.",
    "Data KK tidak cocok: bawa Kartu Keluarga ke Disdukcapil.",
]


@dataclass
class Counts:
    """How many receipts of each kind, at scale 1 modelled on the story."""

    collected_2016: int = 9387  # the 2016 batch, all collected long ago
    ready: int = 54000
    collected: int = 3600
    dispatched: int = 2400
    printed: int = 7500
    queued: int = 12000
    spoiled: int = 240  # misprints in the 2018 printing, each reprinted
    recorded: int = 5000
    on_hold: int = 300
    cancelled: int = 400
    blanks_2016: int = 10000
    blanks_2018: int = 80000

    @classmethod
    def scaled(cls, scale: float) -> "Counts":
        base = cls()
        values = {}
        for name, value in base.__dict__.items():
            values[name] = max(1, round(value * scale))
        return cls(**values)
