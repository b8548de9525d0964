"""``manage.py import_receipts``: summary, rejects report and exit codes."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from receipts.models import Receipt
from tests.import_rows import budi, csv_text, siti


def command(*args):
    out = io.StringIO()
    call_command("import_receipts", *args, stdout=out)
    return out.getvalue()


def test_command_imports_and_prints_the_summary(places, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text(csv_text(siti(), budi(nik="123")), encoding="utf-8")
    output = command(str(path))
    assert "baris 3: NIK tidak valid" in output
    assert "2 baris: 1 resi baru, 0 diperbarui, 0 tidak berubah, 1 ditolak" in output
    assert "penduduk: 1 baru, 0 diperbarui" in output
    assert Receipt.objects.count() == 1


def test_second_run_of_the_same_file_reports_everything_unchanged(places, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text(csv_text(siti(), budi()), encoding="utf-8")
    command(str(path))
    assert "0 resi baru, 0 diperbarui, 2 tidak berubah, 0 ditolak" in command(str(path))


def test_rejects_file_lists_row_reason_and_original_cells(places, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text(csv_text(siti(), budi(kelurahan="Atlantis")), encoding="utf-8")
    rejects = tmp_path / "ditolak.csv"
    command(str(path), "--rejects", str(rejects))
    rows = list(csv.reader(rejects.open(encoding="utf-8-sig"), delimiter=";"))
    assert rows[0][:4] == ["baris", "alasan", "nik", "nama"]
    assert rows[1][0] == "3"
    assert rows[1][1].startswith("Kelurahan tidak dikenal")
    assert rows[1][3] == "Budi Santoso"
    assert len(rows) == 2


def test_dry_run_saves_nothing(places, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text(csv_text(siti()), encoding="utf-8")
    output = command(str(path), "--dry-run")
    assert "1 resi baru" in output
    assert "uji coba" in output
    assert Receipt.objects.count() == 0


def test_unreadable_file_fails_with_a_clear_message(places, tmp_path):
    with pytest.raises(CommandError, match="tidak dapat dibuka"):
        command(str(tmp_path / "tidak-ada.csv"))


def test_missing_columns_fail_with_a_clear_message(places, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text("nik;nama\n1;2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Kolom wajib tidak ada"):
        command(str(path))


def test_exit_codes_from_the_shell(places, tmp_path):
    """A processed file exits 0 even with rejects; a missing-columns file exits non-zero."""
    from django.core.management import ManagementUtility

    good = tmp_path / "resi.csv"
    good.write_text(csv_text(budi(nik="1")), encoding="utf-8")
    ManagementUtility(["manage.py", "import_receipts", str(good)]).execute()
    bad = tmp_path / "rusak.csv"
    bad.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_receipts", str(bad)]).execute()
    assert exit_info.value.code == 1


def test_database_failure_is_a_clear_message_and_nothing_is_saved(places, tmp_path, monkeypatch):
    from django.db import IntegrityError

    from receipts.importing import orchestration

    def collide(cursor, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(orchestration, "_apply", collide)  # (both the ordinary and the bulk path)
    path = tmp_path / "resi.csv"
    path.write_text(csv_text(siti()), encoding="utf-8")
    with pytest.raises(CommandError, match="tidak ada yang disimpan"):
        command(str(path))
    assert Receipt.objects.count() == 0


@pytest.mark.slow  # forks validation workers
def test_workers_option_gives_the_same_summary(places, tmp_path, monkeypatch):
    from unittest import mock

    from receipts.importing import orchestration, workers

    monkeypatch.setattr(orchestration, "CHUNK_ROWS", 1)  # several chunks, so the workers really run
    pool = mock.Mock(wraps=workers.ProcessPoolExecutor)
    monkeypatch.setattr(workers, "ProcessPoolExecutor", pool)
    path = tmp_path / "resi.csv"
    path.write_text(csv_text(siti(), budi(nik="123"), budi()), encoding="utf-8")
    output = command(str(path), "--workers", "2")
    assert "baris 3: NIK tidak valid" in output
    assert "3 baris: 2 resi baru, 0 diperbarui, 0 tidak berubah, 1 ditolak" in output
    assert pool.call_args.args[0] == 2


def test_workers_must_be_at_least_one(places, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text(csv_text(siti()), encoding="utf-8")
    with pytest.raises(CommandError, match="--workers"):
        command(str(path), "--workers", "0")
