"""The bulk import: formats accepted, every rejection reason, idempotence, safety."""

import datetime
import io
from unittest import mock

import pytest

from demo.identities import make_nik
from receipts.importing import (
    ImportFormatError,
    import_receipts,
    loading,
    staging,
    validation,
    workers,
)
from receipts.models import Receipt, ReceiptEvent, Resident, Status
from tests.factories import KecamatanFactory, KelurahanFactory, ReceiptFactory, ResidentFactory
from tests.import_rows import (
    BUDI_NIK,
    HEADER,
    SITI_NIK,
    budi,
    counts,
    csv_text,
    mixed_rows,
    run,
    siti,
)

# --- accepted formats -----------------------------------------------------------------------


def test_valid_rows_create_residents_receipts_and_first_events(places):
    result, rejects = run(csv_text(siti(), budi()))
    assert rejects == []
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 0)
    assert result.residents_inserted == 2
    receipt = Receipt.objects.get(number="BPN1708010001")
    assert receipt.status == Status.RECORDED
    assert receipt.resident.full_name == "Siti Wahyuni"
    assert receipt.resident.phone == "081234567890"
    assert receipt.collection_kecamatan.slug == "selatan"
    assert receipt.recorded_at == datetime.datetime(
        2017, 8, 1, 1, 30, tzinfo=datetime.UTC
    )  # 09:30 WITA
    event = receipt.events.get()
    assert (event.from_status, event.to_status, event.note) == ("", "recorded", "impor")
    assert event.at == receipt.recorded_at
    assert Receipt.objects.get(number="BPN1708020002").collection_kecamatan.slug == "kota"


def test_semicolon_separated_file_is_accepted(places):
    result, rejects = run(csv_text(siti(), budi(), sep=";"))
    assert (result.inserted, result.rejected) == (2, 0)


def test_utf8_bom_is_ignored(places):
    result, rejects = run("\ufeff" + csv_text(siti()))
    assert (result.inserted, result.rejected) == (1, 0)


def test_windows_1252_file_is_read(places):
    result, rejects = run(csv_text(siti(alamat="Jl. Sepinggan – Blok É")), encoding="cp1252")
    assert result.inserted == 1
    assert Resident.objects.get().address == "Jl. Sepinggan – Blok É"


class _Pipe(io.BytesIO):
    """A stream that cannot seek back, as a FIFO or ``/dev/stdin`` behind a pipe."""

    def seekable(self):
        return False

    def seek(self, *args):
        raise io.UnsupportedOperation("seek")


def test_a_pipe_is_read_whole_although_its_start_is_read_twice(places):
    # More than the 64 KiB read for the encoding guess, with a row across that boundary.
    rows = [
        siti(nik=make_nik(district_code="64.71.05", birth_date=datetime.date(1990, 3, 14),
                          sex="P", serial=n), nomor_resi=f"BPN-{n:09d}", alamat="Jl. " + "x" * 90)
        for n in range(1, 401)
    ]  # fmt: skip
    data = csv_text(*rows).encode()
    assert len(data) > 65536
    result = import_receipts(_Pipe(data))
    assert (result.rows, result.inserted, result.rejected) == (400, 400, 0)


def test_both_date_formats_and_slashes_are_accepted(places):
    result, rejects = run(
        csv_text(
            siti(tanggal_lahir="14-03-1990", waktu_rekam="01/08/2017 09:30:15"),
            budi(tanggal_lahir="1985-12-02", waktu_rekam="2017-08-02T10:00"),
        )
    )
    assert rejects == []
    assert Resident.objects.get(nik=SITI_NIK).birth_date == datetime.date(1990, 3, 14)
    assert Resident.objects.get(nik=BUDI_NIK).birth_date == datetime.date(1985, 12, 2)


def test_kelurahan_by_code_or_by_name_in_any_case(places):
    result, rejects = run(
        csv_text(siti(kelurahan=" 64.71.05.1002 "), budi(kelurahan="  prapatan "))
    )
    assert rejects == []
    assert Resident.objects.get(nik=BUDI_NIK).kelurahan.name == "Prapatan"


def test_header_names_ignore_case_and_spaces_and_stray_spaces_in_cells(places):
    header = "NIK, Nama , TANGGAL LAHIR,Jenis Kelamin,kelurahan,Nomor Resi,Waktu Rekam,Tempat Rekam"
    text = (
        header
        + "\n "
        + SITI_NIK
        + " , siti  wahyuni ,14-03-1990, perempuan ,sepinggan, bpn 1708010001 ,01-08-2017, Disdukcapil \n"
    )
    result, rejects = run(text)
    assert rejects == []
    receipt = Receipt.objects.get()
    assert receipt.number == "BPN1708010001"
    assert receipt.resident.sex == "P"


def test_laki_laki_is_accepted_for_sex(places):
    result, rejects = run(csv_text(budi(jenis_kelamin="LAKI-LAKI")))
    assert rejects == []
    assert Resident.objects.get().sex == "L"


def test_blank_lines_are_skipped_and_row_numbers_count_data_rows(places):
    text = csv_text(siti(), budi(nik="123"))
    text = text.replace("\n", "\n\n", 1)
    result, rejects = run(text)
    assert result.rows == 2
    assert [r[0] for r in rejects] == [3]


# --- whole-file refusals --------------------------------------------------------------------


def test_missing_required_column_refuses_the_whole_file(places):
    with pytest.raises(ImportFormatError, match="nomor_resi"):
        run("nik,nama,tanggal_lahir,jenis_kelamin,kelurahan,waktu_rekam,tempat_rekam\n")


def test_empty_file_is_refused(places):
    with pytest.raises(ImportFormatError, match="kosong"):
        run("")


def test_binary_file_is_refused(places):
    with pytest.raises(ImportFormatError):
        import_receipts(io.BytesIO(b"PK\x03\x04\x00\x00\x00\x08\x00" * 50))


# --- rejection reasons ----------------------------------------------------------------------


def reasons(text):
    result, rejects = run(text)
    return {row: reason for row, reason, _cells in rejects}


def test_missing_field_is_rejected_with_the_column_name(places):
    assert "Kolom wajib kosong: nama" in reasons(csv_text(siti(nama=" ")))[2]


def test_bad_nik_is_rejected(places):
    assert "NIK tidak valid" in reasons(csv_text(siti(nik="6471059999999999")))[2]


def test_nik_inconsistent_with_birth_date_is_rejected(places):
    assert "tanggal lahir" in reasons(csv_text(siti(tanggal_lahir="1990-03-15")))[2]


def test_nik_inconsistent_with_sex_is_rejected(places):
    assert "jenis kelamin" in reasons(csv_text(siti(jenis_kelamin="L")))[2]


def test_unknown_kelurahan_is_rejected(places):
    assert "Kelurahan tidak dikenal" in reasons(csv_text(siti(kelurahan="Atlantis")))[2]


def test_unparseable_dates_are_rejected(places):
    found = reasons(csv_text(siti(tanggal_lahir="14 Maret 1990"), budi(waktu_rekam="kemarin")))
    assert "Tanggal lahir tidak dapat dibaca" in found[2]
    assert "Waktu rekam tidak dapat dibaca" in found[3]


def test_every_error_of_a_row_is_reported_not_only_the_first(places):
    reason = reasons(
        csv_text(siti(nama=" ", jenis_kelamin="X", kelurahan="Atlantis", email="bukan-email"))
    )[2]
    for expected in (
        "Kolom wajib kosong: nama.",
        "Jenis kelamin tidak dikenal: X",
        "Kelurahan tidak dikenal: Atlantis",
        "Alamat e-mail tidak valid: bukan-email.",
    ):
        assert expected in reason, reason


def test_impossible_date_is_rejected(places):
    assert "Tanggal lahir" in reasons(csv_text(siti(tanggal_lahir="31-02-1990")))[2]


def test_malformed_receipt_number_is_rejected(places):
    assert "Nomor resi tidak valid" in reasons(csv_text(siti(nomor_resi="12#")))[2]


def test_receipt_number_of_another_resident_is_rejected(places, prapatan):
    other = ResidentFactory(nik=BUDI_NIK, kelurahan=prapatan)
    ReceiptFactory(resident=other, number="BPN1708010001")
    found = reasons(csv_text(siti()))
    assert "penduduk lain" in found[2]
    assert not Resident.objects.filter(nik=SITI_NIK).exists()


def test_second_open_receipt_for_a_resident_is_rejected(places, sepinggan):
    resident = ResidentFactory(nik=SITI_NIK, kelurahan=sepinggan)
    ReceiptFactory(resident=resident, number="LAMA000001")
    found = reasons(csv_text(siti(nomor_resi="BARU000002")))
    assert "masih berjalan" in found[2]
    assert resident.receipts.count() == 1


def test_new_receipt_is_accepted_when_the_old_one_is_collected(places, sepinggan):
    resident = ResidentFactory(nik=SITI_NIK, kelurahan=sepinggan)
    ReceiptFactory(
        resident=resident,
        number="LAMA000001",
        status=Status.COLLECTED,
        collected_at=datetime.datetime(2018, 1, 1, tzinfo=datetime.UTC),
    )
    result, rejects = run(csv_text(siti(nomor_resi="BARU000002")))
    assert rejects == []
    assert resident.receipts.count() == 2


def test_two_new_receipts_for_the_same_resident_in_one_file_keep_the_first(places):
    found = reasons(csv_text(siti(), siti(nomor_resi="BPN1708010099")))
    assert "lebih dari satu resi baru" in found[3]
    assert list(Receipt.objects.values_list("number", flat=True)) == ["BPN1708010001"]


def test_duplicate_receipt_number_within_the_file_keeps_the_first(places):
    found = reasons(csv_text(siti(), budi(nomor_resi="bpn-170801-0001")))
    assert "lebih dari sekali" in found[3]
    assert Receipt.objects.get().resident.nik == SITI_NIK


def test_valid_rows_load_and_invalid_rows_are_reported_in_row_order(places):
    result, rejects = run(csv_text(budi(nik="1"), siti(), budi(kelurahan="x")))
    assert (result.inserted, result.rejected) == (1, 2)
    assert [r[0] for r in rejects] == [2, 4]
    row_no, reason, cells = rejects[0]
    assert cells[0] == "1"
    assert cells[1] == "Budi Santoso"


# --- idempotence and updates ----------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(places):
    text = csv_text(siti(), budi(), budi(nik="1"))
    run(text)
    before = counts()
    updated_at = Resident.objects.get(nik=SITI_NIK).updated_at
    result, rejects = run(text)
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (0, 0, 2, 1)
    assert (result.residents_inserted, result.residents_updated) == (0, 0)
    assert counts() == before
    assert Resident.objects.get(nik=SITI_NIK).updated_at == updated_at


def test_newer_file_updates_contact_data_and_adds_receipts(places):
    run(csv_text(siti()))
    result, rejects = run(
        csv_text(
            siti(telepon="089999", email="Siti@Contoh.id", nama="Nama Lain"),
            budi(),
        )
    )
    assert rejects == []
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 0)
    assert (result.residents_inserted, result.residents_updated) == (1, 1)
    resident = Resident.objects.get(nik=SITI_NIK)
    assert (resident.phone, resident.email) == ("089999", "siti@contoh.id")
    assert resident.full_name == "Siti Wahyuni"  # names are corrected in the admin, not by import
    assert resident.address == "Jl. Sepinggan No. 1"


def test_empty_contact_cell_keeps_the_stored_value(places):
    run(csv_text(siti()))
    result, rejects = run(csv_text(siti(telepon="")))
    assert (result.updated, result.unchanged) == (0, 1)
    assert Resident.objects.get().phone == "081234567890"


@pytest.mark.parametrize("status", [Status.QUEUED, Status.PRINTED, Status.COLLECTED])
def test_receipt_in_print_or_handed_over_is_never_touched(places, sepinggan, status):
    resident = ResidentFactory(nik=SITI_NIK, kelurahan=sepinggan)
    receipt = ReceiptFactory(
        resident=resident,
        number="BPN1708010001",
        status=status,
        collected_at=datetime.datetime(2018, 1, 1, tzinfo=datetime.UTC)
        if status == Status.COLLECTED
        else None,
    )
    before = Receipt.objects.values().get(pk=receipt.pk)
    events = receipt.events.count()
    result, rejects = run(
        csv_text(siti(waktu_rekam="2019-01-01", tempat_rekam="Kecamatan", kelurahan="Prapatan"))
    )
    assert rejects == []
    assert result.inserted == 0
    assert Receipt.objects.values().get(pk=receipt.pk) == before
    assert receipt.events.count() == events


def test_dry_run_reports_but_saves_nothing(places):
    result, rejects = run(csv_text(siti(), budi(nik="1")), dry_run=True)
    assert (result.inserted, result.rejected) == (1, 1)
    assert counts() == (0, 0, 0)


def test_import_records_the_actor_on_the_first_event(places, staff):
    run(csv_text(siti()), actor=staff)
    assert ReceiptEvent.objects.get().actor == staff


# --- atomicity ------------------------------------------------------------------------------


def test_error_after_the_first_chunk_leaves_no_trace(places, sepinggan):
    ReceiptFactory(resident=ResidentFactory(nik=BUDI_NIK, kelurahan=sepinggan))
    before = counts()
    rows = [siti(), budi()]
    rows += [
        siti(
            nik=make_nik(
                district_code="64.71.05",
                birth_date=datetime.date(1990, 3, 14),
                sex="P",
                serial=100 + n,
            ),
            nomor_resi=f"BPN17080200{n:02d}",
        )
        for n in range(5)
    ]
    real_load = staging._Stage.load
    calls = []

    def load_then_fail(self, staged):
        calls.append(len(staged))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_load(self, staged)

    with (
        mock.patch.object(staging._Stage, "load", load_then_fail),
        pytest.raises(RuntimeError),
    ):
        run(csv_text(*rows), chunk_rows=2)
    assert counts() == before


def test_error_after_writing_receipts_and_events_rolls_everything_back(places):
    before = counts()
    real_insert = loading._insert_receipts_and_events
    written = []

    def insert_then_fail(cursor, **kwargs):
        written.append(real_insert(cursor, **kwargs))
        raise RuntimeError("killed")

    with (
        mock.patch.object(loading, "_insert_receipts_and_events", insert_then_fail),
        pytest.raises(RuntimeError),
    ):
        run(csv_text(siti(), budi()), bulk_load=False)  # (the empty tables would load in bulk)
    assert written == [2]
    assert counts() == before


def test_staging_table_does_not_outlive_the_import(places):
    run(csv_text(siti()))
    result, rejects = run(csv_text(siti()))
    assert result.unchanged == 1


def test_the_documented_example_file_imports_cleanly(places):
    from django.conf import settings

    timur = KecamatanFactory(code="64.71.01", name="Balikpapan Timur", slug="timur")
    KelurahanFactory(code="64.71.01.1001", name="Manggar", kecamatan=timur)
    with open(settings.BASE_DIR / "docs" / "contoh_import.csv", "rb") as example:
        result = import_receipts(example)
    assert (result.inserted, result.rejected) == (3, 0)
    assert Receipt.objects.get(number="BPN1708039003").collection_kecamatan == timur


def test_progress_is_reported_after_every_chunk(places):
    seen = []
    run(csv_text(siti(), budi(), budi(nik="1")), chunk_rows=2, progress=seen.append)
    assert seen == [2, 3]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_import_tuning_ends_with_its_transaction(places):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        before = cursor.fetchone()[0]
        result, _rejects = run(csv_text(siti(), budi()))
        cursor.execute("SHOW synchronous_commit")
        after = cursor.fetchone()[0]
    assert result.inserted == 2
    assert after == before  # SET LOCAL: the setting never leaks into the connection


@pytest.mark.parametrize("bulk_load", [False, True])
def test_new_receipts_are_numbered_in_the_order_of_their_residents(places, bulk_load):
    # The deferred FK checks at COMMIT walk the resident table in order (see
    # _insert_receipts_and_events); a bulk load numbers all three in file order.
    run(csv_text(budi(), siti()), bulk_load=bulk_load)
    receipts = list(Receipt.objects.order_by("pk").values_list("resident_id", flat=True))
    assert receipts == sorted(receipts)
    residents = list(Resident.objects.order_by("pk").values_list("nik", flat=True))
    assert residents == [BUDI_NIK, SITI_NIK]  # new residents in file order


# --- validation in worker processes ---------------------------------------------------------


@pytest.mark.slow  # forks validation workers
def test_workers_give_the_same_results_and_rejects_as_one_process(places):
    text = csv_text(*mixed_rows())
    one = run(text, chunk_rows=2, dry_run=True)
    with mock.patch.object(
        workers, "ProcessPoolExecutor", wraps=workers.ProcessPoolExecutor
    ) as pool:
        two = run(text, chunk_rows=2, dry_run=True, workers=2)
    assert pool.call_count == 1
    assert two[0].as_dict() == one[0].as_dict()
    assert two[1] == one[1]
    assert [r[0] for r in two[1]] == [4, 7, 9, 11]
    result, rejects = run(text, chunk_rows=2, workers=2)
    assert (result.inserted, result.rejected) == (8, 4)
    numbers = list(Receipt.objects.order_by("pk").values_list("number", flat=True))
    assert numbers == [f"BPN17080100{n:02d}" for n in (0, 1, 3, 4, 6, 8, 10, 11)]


@pytest.mark.slow
def test_error_mid_file_with_workers_leaves_no_trace(places, sepinggan):
    ReceiptFactory(resident=ResidentFactory(nik=BUDI_NIK, kelurahan=sepinggan))
    before = counts()
    real_load = staging._Stage.load
    calls = []

    def load_then_fail(self, payload):
        calls.append(payload)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_load(self, payload)

    with (
        mock.patch.object(staging._Stage, "load", load_then_fail),
        pytest.raises(RuntimeError, match="disk full"),
    ):
        run(csv_text(*mixed_rows()), chunk_rows=2, workers=2)
    assert counts() == before
    assert workers._WORKER_STAGER is None  # the workers are gone


@pytest.mark.slow
def test_crash_inside_a_worker_fails_the_import_and_leaves_no_trace(places):
    before = counts()
    real_clean = validation.RowValidator.clean

    def clean_or_crash(self, cells):
        if cells["nomor_resi"] == "BPN1708010008":
            raise ZeroDivisionError("bug in a worker")
        return real_clean(self, cells)

    # Patched before the workers are forked, so they inherit it.
    with (
        mock.patch.object(validation.RowValidator, "clean", clean_or_crash),
        pytest.raises(ZeroDivisionError),
    ):
        run(csv_text(*mixed_rows()), chunk_rows=2, workers=2)
    assert counts() == before


def test_backslashes_tabs_newlines_and_separators_in_cells_arrive_unchanged(places):
    # The staging rows travel as COPY text on PostgreSQL: these characters must be escaped.
    import csv

    address = "Jl. A\\B\tNo. 1\nRT 2"
    rows = [
        siti(alamat=address, telepon="08\x1e12"),  # (U+001E is what NULL is written as)
        budi(nik="12\\3", nama="Budi\tSantoso\\"),
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.split(","))
    for row in rows:
        writer.writerow([row[name] for name in HEADER.split(",")])
    result, rejects = run(out.getvalue())
    assert (result.inserted, result.rejected) == (1, 1)
    resident = Resident.objects.get()
    assert (resident.address, resident.phone) == ("Jl. A\\B No. 1 RT 2", "08\x1e12")
    assert rejects[0][2][:2] == ["12\\3", "Budi\tSantoso\\"]


@pytest.mark.postgres
def test_copy_in_local_time_leaves_the_session_time_zone_as_it_was(places):
    """Recording times are COPYed as local time under the import's time zone; the rest of the
    transaction (an admin request goes on after the import) keeps the session's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        before = cursor.fetchone()[0]
        run(csv_text(siti()))
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone()[0] == before == "UTC"
    assert Receipt.objects.get().recorded_at.hour == 1  # 09:30 WITA is 01:30 UTC
