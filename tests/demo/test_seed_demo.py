"""``seed_demo`` fills an empty database with the story's shape, once."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from distribution.models import BlankBatch, Card, HandOver, Officer, PickupSchedule
from distribution.roles import DEMO_GROUP
from receipts.models import Kecamatan, Kelurahan, Receipt, ReceiptEvent, Status
from tests.shared_data import shared_data

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=False)]


def _seed(*args):
    out = StringIO()
    call_command("seed_demo", "--scale", "0.01", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    """One seeded database for the module's tests that read it (seeding is their cost)."""
    with shared_data(django_db_blocker, _seed) as output:
        yield output


@pytest.fixture
def seeded(_seeded, db):
    return _seeded


# On an empty database: these come first, since from the first test that asks for ``seeded``
# on, every test of the module sees the seeded data (tests/shared_data.py).


def test_seed_is_deterministic(db):
    # The same seed gives the same receipts on every machine (the README lists the
    # full-scale examples; these are the ones of --scale 0.01).
    assert _seed() == (
        "example recorded BPN1710270001\n"
        "example queued BPN1705200001\n"
        "example printed BPN1704070002\n"
        "example dispatched BPN1703180002\n"
        "example ready BPN1603010001\n"
        "example collected BPN1603020001\n"
        "example on_hold BPN1702200001\n"
        "example cancelled BPN1612260003\n"
    )


def test_scale_must_be_between_zero_and_one(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "2", stdout=StringIO(), stderr=StringIO())


def _examples(output):
    lines = output.strip().splitlines()
    assert all(line.startswith("example ") for line in lines)
    return {line.split()[1]: line.split()[2] for line in lines}


def test_seed_prints_one_example_per_status_and_each_has_that_status(seeded):
    examples = _examples(seeded)
    assert list(examples) == Status.values
    for status, number in examples.items():
        receipt = Receipt.objects.get(number=number)
        assert receipt.status == status
        assert receipt.collection_kecamatan.slug == "selatan"


def test_ready_example_has_an_upcoming_pickup_day_for_its_kelurahan(seeded):
    receipt = Receipt.objects.get(number=_examples(seeded)["ready"])
    assert PickupSchedule.objects.filter(kelurahan=receipt.resident.kelurahan).count() >= 2


def test_seed_creates_the_six_kecamatan_and_34_kelurahan_with_placeholder_contacts(seeded):
    assert sorted(Kecamatan.objects.values_list("slug", flat=True)) == sorted(
        ["selatan", "kota", "timur", "utara", "tengah", "barat"]
    )
    assert Kelurahan.objects.count() == 34
    assert not Kecamatan.objects.filter(contact_is_placeholder=False).exists()


def test_seed_creates_the_demo_accounts_flagged_as_demo(seeded, settings):
    User = get_user_model()
    staf = User.objects.get(username="staf")
    assert staf.is_staff and not staf.is_superuser
    assert staf.check_password(settings.DEMO_PASSWORD)
    assert {g.name for g in staf.groups.all()} == {"Staf Disdukcapil", DEMO_GROUP}
    for slug in ["selatan", "kota", "timur", "utara", "tengah", "barat"]:
        clerk = User.objects.get(username=f"loket.{slug}")
        supervisor = User.objects.get(username=f"spv.{slug}")
        assert (clerk.officer.role, clerk.officer.kecamatan.slug) == ("clerk", slug)
        assert supervisor.officer.role == "supervisor"
        assert clerk.officer.is_demo and supervisor.officer.is_demo
        assert clerk.groups.filter(name="Petugas loket").exists()
        assert supervisor.groups.filter(name="Supervisor kecamatan").exists()
    assert not Officer.objects.filter(is_demo=False).exists()


def test_blank_accounting_matches_the_cards_of_each_batch(seeded):
    for batch in BlankBatch.objects.all():
        counts = batch.cards.aggregate(
            good=Count("id", filter=~Q(outcome="spoiled")),
            spoiled=Count("id", filter=Q(outcome="spoiled")),
        )
        assert (batch.used, batch.spoiled) == (counts["good"], counts["spoiled"])
        assert batch.used + batch.spoiled <= batch.quantity


def test_every_receipt_history_ends_in_its_status(seeded):
    for receipt in Receipt.objects.prefetch_related("events"):
        events = list(receipt.events.all())
        assert events[0].from_status == ""
        assert events[0].to_status == "recorded"
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.at >= before.at
        assert events[-1].to_status == receipt.status
        assert receipt.status_changed_at == events[-1].at


def test_cards_and_hand_overs_match_statuses(seeded):
    printed_or_later = ["printed", "dispatched", "ready", "collected"]
    for receipt in Receipt.objects.filter(status__in=printed_or_later):
        assert receipt.cards.filter(outcome="printed").count() == 1
    assert not Card.objects.filter(outcome="queued").exclude(receipt__status="queued").exists()
    collected = Receipt.objects.filter(status="collected")
    assert HandOver.objects.count() == collected.count() > 0
    assert not collected.filter(collected_at__isnull=True).exists()
    for handover in HandOver.objects.select_related("clerk__officer", "receipt"):
        assert handover.clerk.officer.kecamatan_id == handover.receipt.collection_kecamatan_id
        assert handover.kecamatan_id == handover.receipt.collection_kecamatan_id
    waiting = Receipt.objects.filter(status="recorded")
    assert not waiting.filter(recorded_at__date__lte="2017-08-05").exists()


def test_second_run_refuses_and_changes_nothing(seeded):
    receipts = Receipt.objects.count()
    with pytest.raises(CommandError, match="sudah berisi data"):
        _seed()
    assert Receipt.objects.count() == receipts


def test_if_empty_on_a_seeded_database_is_a_quiet_no_op(seeded):
    events = ReceiptEvent.objects.count()
    assert _seed("--if-empty") == ""
    assert ReceiptEvent.objects.count() == events


def test_some_residents_moved_their_nik_district_is_not_their_kecamatan(seeded):
    residents = Receipt.objects.select_related("resident", "collection_kecamatan")
    moved = [
        r for r in residents if r.resident.nik[:6] != r.collection_kecamatan.code.replace(".", "")
    ]
    assert 0 < len(moved) < residents.count() / 5


def test_the_documented_import_example_is_accepted_on_the_demo_data(seeded, settings):
    # Staff trying docs/contoh_import.csv on a demo install must not see every row refused
    # because its receipt numbers are already taken by demo receipts.
    from receipts.importing import import_receipts

    with open(settings.BASE_DIR / "docs" / "contoh_import.csv", "rb") as example:
        result = import_receipts(example)
    assert (result.inserted, result.rejected) == (3, 0)
