"""factory_boy factories: valid, consistent objects with as little typing as possible."""

import datetime
import zlib

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.identities import make_nik
from distribution.models import (
    BlankBatch,
    Card,
    Dispatch,
    DispatchItem,
    IdDocumentType,
    Officer,
    PrintRun,
)
from receipts.models import Kecamatan, Kelurahan, Receipt, ReceiptEvent, Resident, Status


def in_group(user, name):
    """``user`` with the role ``name`` (distribution/roles.py); returns the user."""
    from django.contrib.auth.models import Group, Permission

    from distribution.roles import ensure_roles

    if not Group.objects.filter(name=name).exists():
        # A transactional test that ran before this one flushed the tables, and with them the
        # groups the data migrations made: make them again, as the migrations do.
        ensure_roles(Group, Permission)
    user.groups.add(Group.objects.get(name=name))
    return user


class KecamatanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kecamatan
        django_get_or_create = ("code",)

    # Wraps at 99: the sequence counts every call (fixtures included) across the whole test
    # run, and a code longer than 8 characters is refused by PostgreSQL.
    code = factory.Sequence(lambda n: f"64.71.{n % 90 + 10:02d}")
    name = factory.Sequence(lambda n: f"Kecamatan Uji {n}")
    slug = factory.Sequence(lambda n: f"uji{n}")
    address = "Jl. Contoh No. 1"
    counter_hours = "1-5 08:00-15:00"


class KelurahanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kelurahan
        django_get_or_create = ("code",)

    kecamatan = factory.SubFactory(KecamatanFactory)
    code = factory.Sequence(lambda n: f"64.71.99.{n + 1000:04d}")
    name = factory.Sequence(lambda n: f"Kelurahan Uji {n}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    kelurahan = factory.SubFactory(KelurahanFactory)
    full_name = factory.Sequence(lambda n: f"Siti Wahyuni {chr(65 + n % 26)}")
    birth_date = datetime.date(1990, 3, 14)
    sex = "P"
    nik = factory.LazyAttributeSequence(
        lambda o, n: make_nik(
            district_code="64.71.05", birth_date=o.birth_date, sex=o.sex, serial=n + 1
        )
    )


class ReceiptFactory(factory.django.DjangoModelFactory):
    """A receipt with its first `recorded` event; pass ``status=`` to skip ahead (tests only)."""

    class Meta:
        model = Receipt
        skip_postgeneration_save = True

    resident = factory.SubFactory(ResidentFactory)
    number = factory.Sequence(lambda n: f"BPN170101{n:05d}")
    recorded_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=300))
    recorded_place = "Disdukcapil Kota Balikpapan"
    collection_kecamatan = factory.LazyAttribute(lambda o: o.resident.kelurahan.kecamatan)
    status = Status.RECORDED

    @factory.post_generation
    def first_event(obj, create, extracted, **kwargs):
        if create:
            ReceiptEvent.objects.create(
                receipt=obj, from_status="", to_status=Status.RECORDED, at=obj.recorded_at
            )
            if obj.status != Status.RECORDED:
                ReceiptEvent.objects.create(
                    receipt=obj, from_status=Status.RECORDED, to_status=obj.status
                )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("sandi-uji-123")


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    user = factory.SubFactory(UserFactory)
    kecamatan = factory.SubFactory(KecamatanFactory)
    role = Officer.Role.CLERK


class BlankBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlankBatch

    reference = factory.Sequence(lambda n: f"470/{n + 1}/DUKCAPIL/2018")
    quantity = 100
    received_on = datetime.date(2018, 1, 15)


class PrintRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrintRun

    requested = 10
    cutoff_date = datetime.date(2017, 8, 5)
    created_by = factory.SubFactory(UserFactory)


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    serial = factory.Sequence(lambda n: f"KTP{n:09d}")
    receipt = factory.SubFactory(ReceiptFactory)
    print_run = factory.SubFactory(PrintRunFactory)
    batch = factory.SubFactory(BlankBatchFactory)
    position = factory.Sequence(lambda n: n)
    outcome = Card.Outcome.PRINTED


def dispatched_cards(*, kecamatan, count, sent_by, resident_kelurahan=None):
    """Make ``count`` receipts in status `dispatched`, on cards in one dispatch to ``kecamatan``."""
    dispatch = Dispatch.objects.create(kecamatan=kecamatan, sent_by=sent_by)
    run = PrintRunFactory(created_by=sent_by, requested=count, allocated=count)
    batch = BlankBatchFactory(quantity=max(count, 1))
    cards = []
    for _ in range(count):
        resident = ResidentFactory(
            kelurahan=resident_kelurahan or KelurahanFactory(kecamatan=kecamatan)
        )
        receipt = ReceiptFactory(resident=resident, status=Status.DISPATCHED)
        card = CardFactory(receipt=receipt, print_run=run, batch=batch)
        DispatchItem.objects.create(dispatch=dispatch, card=card)
        cards.append(card)
    BlankBatch.objects.filter(pk=batch.pk).update(used=count)
    return dispatch, cards


# --- counter (issue 4) ---


class IdDocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdDocumentType
        django_get_or_create = ("name",)

    name = "KTP-el"


def ready_card(*, resident=None, kelurahan=None, number=None, serial=None):
    """A receipt in status `ready` with its printed card, as after arrival at the kecamatan."""
    resident = resident or ResidentFactory(kelurahan=kelurahan or KelurahanFactory())
    receipt_kwargs = {"resident": resident, "status": Status.READY}
    if number:
        receipt_kwargs["number"] = number
    receipt = ReceiptFactory(**receipt_kwargs)
    card_kwargs = {"receipt": receipt}
    if serial:
        card_kwargs["serial"] = serial
    return CardFactory(**card_kwargs)


def waiting_receipts(*, kelurahan, count, first_recorded_at, step=None, prefix="Q"):
    """Bulk-insert ``count`` residents with `recorded` receipts (and first events), fast.

    Receipt i is recorded at ``first_recorded_at + i * step`` (default one minute) and numbered
    ``<prefix><i:07d>``, so queue order is creation order. Returns the receipts in that order.
    """
    step = step or datetime.timedelta(minutes=1)
    stamp = f"{zlib.crc32(prefix.encode()) % 10**6:06d}"
    residents = Resident.objects.bulk_create(
        [
            Resident(
                nik=f"64{stamp}{i:08d}",
                full_name=f"Warga {prefix} {i}",
                birth_date=datetime.date(1990, 1, 1),
                sex="L",
                kelurahan=kelurahan,
            )
            for i in range(count)
        ],
        batch_size=500,
    )
    if residents and residents[0].pk is None:
        residents = list(Resident.objects.filter(nik__startswith=f"64{stamp}").order_by("nik"))
    receipts = Receipt.objects.bulk_create(
        [
            Receipt(
                number=f"{prefix}{i:07d}",
                resident=resident,
                recorded_at=first_recorded_at + i * step,
                status_changed_at=first_recorded_at + i * step,
                recorded_place="Disdukcapil Kota Balikpapan",
                collection_kecamatan_id=kelurahan.kecamatan_id,
            )
            for i, resident in enumerate(residents)
        ],
        batch_size=500,
    )
    if receipts and receipts[0].pk is None:
        receipts = list(Receipt.objects.filter(number__startswith=prefix).order_by("number"))
    ReceiptEvent.objects.bulk_create(
        [
            ReceiptEvent(receipt=r, from_status="", to_status=Status.RECORDED, at=r.recorded_at)
            for r in receipts
        ],
        batch_size=500,
    )
    return receipts
