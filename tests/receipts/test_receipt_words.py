"""The counter's name search on PostgreSQL, read from the word table (receipts.ReceiptWord):
the same matches and ranks as rank_by_name, kept current by every writer, served by its
indexes."""

import pytest
from django.db import connection

from distribution.selectors import receipts_by_name
from receipts.models import Receipt, Resident
from receipts.name_search import fold, rank_by_name, receipt_ids_by_name
from tests.factories import KecamatanFactory, KelurahanFactory, ReceiptFactory, ResidentFactory
from tests.import_rows import csv_text, run, siti

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NAMES = [
    "Siti Aminah",
    "Sitiara Siti",
    "Aminah Siti",
    "Siti",
    "Nur Sitiawati",
    "Sitinah Putri",
    "Ani Prat Pratama",
    "Prat Ani",
    "Désy Ratnasari",
    "Eka Putri",
    "Nabila Eka Pratama",
    "Ahmad Ekaputra",
    "Eka",
    "Nur Eka  Eka",
    "Siti Aminah",
    "SITI aminah putri",
    "Putri Pratiwi",
]
QUERIES = [
    "siti", "sit", "s", "eka", "ek", "prat", "pratama", "siti aminah", "aminah siti",
    "eka prat", "desy", "DÉSY", "putri", "p", "a", "zz", "%", "_", "siti zz",
]  # fmt: skip


def _ids(kecamatan, query, limit):
    return receipt_ids_by_name(kecamatan_id=kecamatan.pk, query=query, limit=limit)


def _expected(kecamatan, query, limit):
    """rank_by_name's ranking, namesakes ordered as the word table orders them."""
    scoped = Receipt.objects.filter(collection_kecamatan=kecamatan)
    ranked = rank_by_name(scoped, query, name_path="resident__full_name")
    rows = [(-r.name_rank, " ".join(fold(r.resident.full_name).split()), r.pk) for r in ranked]
    return [pk for _rank, _name, pk in sorted(rows)][:limit]


@pytest.fixture
def named(sepinggan, prapatan):
    for name in NAMES:
        ReceiptFactory(resident__full_name=name, resident__kelurahan=sepinggan)
        ReceiptFactory(resident__full_name=name, resident__kelurahan=prapatan)  # other kecamatan
    return sepinggan.kecamatan


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 50])
def test_the_page_is_rank_by_names_ranking_for_every_kind_of_query(named, limit):
    for query in QUERIES:
        assert _ids(named, query, limit) == _expected(named, query, limit), query


def test_nabila_and_eka_find_nabila_eka_pratama_at_the_counter(named):
    for query in ("Nabila", "eka", "PRAT", "nabila pratama"):
        names = [r.resident.full_name for r in receipts_by_name(
            kecamatan_id=named.pk, text=query, limit=50
        )]  # fmt: skip
        assert "Nabila Eka Pratama" in names, query


def test_a_renamed_resident_is_found_by_the_new_name_not_the_old(named):
    resident = Resident.objects.get(full_name="Désy Ratnasari", kelurahan__kecamatan=named)
    resident.full_name = "Desi Wulandari"
    resident.save()
    found = [r.resident_id for r in receipts_by_name(kecamatan_id=named.pk, text="wuland", limit=9)]
    assert found == [resident.pk]
    assert not receipts_by_name(kecamatan_id=named.pk, text="ratnasari", limit=9)
    Resident.objects.filter(pk=resident.pk).update(full_name="Désy Ratnasari")  # update() too
    assert not receipts_by_name(kecamatan_id=named.pk, text="wulandari", limit=9)


def test_a_receipt_moved_to_another_kecamatan_or_deleted_leaves_the_search(named, kota):
    receipt = Receipt.objects.get(resident__full_name="Prat Ani", collection_kecamatan=named)
    Receipt.objects.filter(pk=receipt.pk).update(collection_kecamatan=kota)
    assert receipt.pk not in _ids(named, "prat", 50)
    assert receipt.pk in _ids(kota, "prat", 50)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM receipts_receiptevent WHERE receipt_id = %s", [receipt.pk])
        cursor.execute("DELETE FROM receipts_receipt WHERE id = %s", [receipt.pk])
        cursor.execute(
            "SELECT count(*) FROM receipts_receiptword WHERE receipt_id = %s", [receipt.pk]
        )
        assert cursor.fetchone()[0] == 0


def test_bulk_created_receipts_are_searchable_at_once(db):
    kecamatan = KecamatanFactory()
    kelurahan = KelurahanFactory(kecamatan=kecamatan)
    residents = [ResidentFactory(kelurahan=kelurahan, full_name=f"Warga Bulk{i}") for i in range(3)]
    Receipt.objects.bulk_create(
        [
            Receipt(resident=r, number=f"BPN1799990000{i}", recorded_at=r.created_at,
                    recorded_place="x", collection_kecamatan=kecamatan)
            for i, r in enumerate(residents)
        ]
    )  # fmt: skip
    assert len(_ids(kecamatan, "warga", 50)) == 3
    assert len(_ids(kecamatan, "bulk1", 50)) == 1


def test_an_imported_resident_is_found_by_name(places):
    run(csv_text(siti()))
    receipt = Receipt.objects.get()
    name = receipt.resident.full_name.split()[-1]
    assert _ids(receipt.collection_kecamatan, name, 5) == [receipt.pk]


def test_the_search_reads_the_word_table_indexes(named):
    plans = []
    receipt_ids_by_name(kecamatan_id=named.pk, query="sit", limit=50, explain=plans)
    text = "\n".join(plans)
    assert "receiptword_search_idx" in text and "receiptword_first_idx" in text, text
