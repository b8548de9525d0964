"""Public-lookup fixtures: one receipt per status, a kecamatan with its office and pickup days."""

import datetime

import pytest
from django.utils import timezone

from distribution.models import PickupSchedule
from receipts.models import Status
from tests.factories import ReceiptFactory, ResidentFactory

# Private facts of every holder made here: none of them may appear in a public response.
PRIVATE_ADDRESS = "Jl. Mawar Rahasia No. 17 RT 003"
PRIVATE_PHONE = "081234567890"
PRIVATE_EMAIL = "rahasia.warga@example.com"


@pytest.fixture
def schedule(selatan, sepinggan):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    PickupSchedule.objects.create(
        kecamatan=selatan,
        kelurahan=None,
        date=tomorrow + datetime.timedelta(days=7),
        start_time=datetime.time(8),
        end_time=datetime.time(12),
        place="Aula Kantor Kecamatan",
        note="Semua kelurahan",
        note_en="Every kelurahan",
    )
    PickupSchedule.objects.create(  # in the past: not shown
        kecamatan=selatan,
        kelurahan=sepinggan,
        date=tomorrow - datetime.timedelta(days=10),
        start_time=datetime.time(8),
        end_time=datetime.time(12),
    )
    return PickupSchedule.objects.create(
        kecamatan=selatan,
        kelurahan=sepinggan,
        date=tomorrow,
        start_time=datetime.time(8, 30),
        end_time=datetime.time(11),
        place="Loket 2",
        note="Khusus Kelurahan Sepinggan",
        note_en="Residents of Sepinggan only",
    )


def make_receipt(status, *, kelurahan, number, name="Siti Wahyuni", day=1):
    resident = ResidentFactory(
        full_name=name,
        kelurahan=kelurahan,
        address=PRIVATE_ADDRESS,
        phone=PRIVATE_PHONE,
        email=PRIVATE_EMAIL,
    )
    extra = {"collected_at": timezone.now()} if status == Status.COLLECTED else {}
    return ReceiptFactory(
        resident=resident,
        number=number,
        status=status,
        recorded_at=timezone.make_aware(datetime.datetime(2017, 7, day, 9, 30)),
        **extra,
    )


@pytest.fixture
def receipts_by_status(sepinggan, schedule):
    """One receipt per status, all held by residents of Sepinggan (Balikpapan Selatan)."""
    return {
        status.value: make_receipt(
            status.value,
            kelurahan=sepinggan,
            number=f"BPN17070{i:05d}",
            name=f"Siti Wahyuni Kusuma{'x' * i}",
            day=i + 1,
        )
        for i, status in enumerate(Status)
    }


@pytest.fixture
def head_office(db):
    """The Disdukcapil office as staff enter it (the migration makes the row, empty)."""
    from receipts.models import HeadOffice

    office, _ = HeadOffice.objects.update_or_create(
        pk=HeadOffice.SINGLETON_ID,
        defaults={
            "address": "Jl. Jenderal Sudirman No. 1, Balikpapan (contoh)",
            "counter_hours": "1-4 08:00-15:00; 5 08:00-11:00",
            "phone": "0542-000-0100",
            "whatsapp": "0812-0000-0100",
            "email": "disdukcapil@example.go.id",
            "note": "Ambil nomor antrean di lantai 1.",
            "note_en": "Take a queue number on the ground floor.",
        },
    )
    return office
