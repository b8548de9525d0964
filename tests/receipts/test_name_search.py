"""receipts.name_search: the same folding in Python (SQLite) and SQL (PostgreSQL)."""

import pytest
from django.db import connection

from receipts.models import Resident
from receipts.name_search import fold, query_words, rank_by_name
from tests.factories import ResidentFactory


def test_fold_lowercases_and_strips_accents():
    assert fold("NABÍLA Éka Ñur") == "nabila eka nur"


def test_query_words_are_folded_and_capped():
    assert query_words("  Siti   AMINAH ") == ["siti", "aminah"]
    assert len(query_words("a b c d e f g")) == 5


def test_database_fold_agrees_with_python(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ektp_fold(%s)", ["Désy ÁMINAH"])
        assert cursor.fetchone()[0] == "desy aminah"


def test_rank_by_name_orders_whole_words_first(db):
    ResidentFactory(full_name="Siti Aminahwati")
    ResidentFactory(full_name="Siti Aminah")
    ResidentFactory(full_name="Aminah Lestari")
    names = list(rank_by_name(Resident.objects.all(), "aminah").values_list("full_name", flat=True))
    assert names == ["Aminah Lestari", "Siti Aminah", "Siti Aminahwati"]


@pytest.mark.parametrize("query", ["", "   ", "%", "_"])
def test_empty_or_wildcard_queries_match_nothing_by_accident(db, query):
    ResidentFactory(full_name="Siti Aminah")
    assert not rank_by_name(Resident.objects.all(), query).exists()


@pytest.mark.postgres
def test_postgres_serves_the_name_search_from_the_trigram_index(db):
    for i in range(30):
        ResidentFactory(full_name=f"Warga Nomor{i} Contoh")
    ResidentFactory(full_name="Nabila Eka Pratama")
    queryset = rank_by_name(Resident.objects.all(), "nabila")
    with connection.cursor() as cursor:
        # With sequential scans priced out, a plan still holding one has no usable index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "resident_name_words_trgm" in plan, plan
    assert [r.full_name for r in queryset] == ["Nabila Eka Pratama"]


@pytest.mark.postgres
def test_postgres_keeps_the_folded_name_when_a_name_is_corrected(db):
    resident = ResidentFactory(full_name="Desy Ratnasari")
    Resident.objects.filter(pk=resident.pk).update(full_name="Désy Ratnawati")
    assert list(rank_by_name(Resident.objects.all(), "ratnawati")) == [resident]
    assert not rank_by_name(Resident.objects.all(), "ratnasari").exists()
