"""Staff-side 500s and per-row memory bounds (issue 16, findings 11 and 3).

The admin search boxes with the last code point (``%F4%8F%BF%BF``, U+10FFFF), and the
importer's header and rows: a field over the csv module's 131,072 characters, a line of
millions of separators, a row with too many columns, one row spread over many lines by its
quotes. Each is a clear answer, never a 5xx, and nothing is imported.
"""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from demo.identities import make_nik
from receipts.importing.reading import (
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    MAX_RECORD_CHARS,
    ImportFormatError,
    open_text,
    read_rows,
)
from receipts.models import Receipt, Resident
from tests.import_rows import HEADER, csv_text, siti

LAST = "%F4%8F%BF%BF"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/receipts/receipt/",
        "/admin/receipts/resident/",
        "/admin/receipts/receiptevent/",
        "/admin/distribution/handover/",
        "/admin/distribution/card/",
        "/admin/distribution/dispatchitem/",
        "/admin/auditlog/logentry/",
    ],
)
def test_admin_search_for_the_last_code_point_is_not_a_500(client, superuser, url):
    client.force_login(superuser)
    for term in (LAST, LAST * 3, "Siti" + LAST, "BPN" + LAST):
        assert client.get(f"{url}?q={term}").status_code == 200


HUGE_HEADER = HEADER + ',"' + "x" * 140_000 + '"\n'
ONE_LINE_OF_SEPARATORS = HEADER + "\n" + ";" * 2_000_000 + "\n"
TOO_MANY_COLUMNS = csv_text(siti()).rstrip("\n") + "," * (MAX_COLUMNS + 5) + "\n"


def record_over_lines(lines):
    """Siti's row (row 2), then row 3: one record of ``lines`` lines, each under the line
    limit, each closing the quote the line before opened, 16,000 empty cells, opening a new
    one: 16,000 cells a line, for as many lines as the file has."""
    return csv_text(siti()) + 'x,"\n' + ('"' + "," * 16_000 + '"\n') * lines + '"\n'


MANY_LINES_ONE_RECORD = record_over_lines(20)  # 320,000 cells in one record


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (HUGE_HEADER, "terlalu panjang"),
        ('"' + "x" * 140_000 + "\n" * 3, "terlalu panjang"),
        ('nik,"nama\n' + ("x" * 10_000 + "\n") * 20, "Baris 1 terlalu panjang"),
        (ONE_LINE_OF_SEPARATORS, "terlalu panjang"),
        (TOO_MANY_COLUMNS, f"paling banyak {MAX_COLUMNS}"),
        (MANY_LINES_ONE_RECORD, "Baris 3 terlalu panjang"),
    ],
    ids=["huge-header-field", "huge-first-line", "quoted-header-over-many-lines",
         "one-line-of-separators", "too-many-columns", "one-record-over-many-lines"],
)  # fmt: skip
def test_hostile_files_get_a_clear_refusal(
    client, staff, sepinggan, body, message, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    upload = SimpleUploadedFile("resi.csv", body.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):  # the task worker's part
        response = client.post("/admin/receipts/import/", {"file": upload})
    if response.status_code == 302:
        # The header passed the form: the worker refused a row, the job's page says why.
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Receipt.objects.count() == 0


def test_the_command_refuses_a_huge_header_too(sepinggan, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text(HUGE_HEADER, encoding="utf-8")
    with pytest.raises(CommandError, match="terlalu panjang"):
        call_command("import_receipts", str(path), stdout=io.StringIO())


def test_the_command_refuses_a_record_over_many_lines(sepinggan, tmp_path):
    path = tmp_path / "resi.csv"
    path.write_text(MANY_LINES_ONE_RECORD, encoding="utf-8")
    with pytest.raises(CommandError, match="Baris 3 terlalu panjang"):
        call_command("import_receipts", str(path), stdout=io.StringIO())
    assert Receipt.objects.count() == 0  # not even Siti's row before it


def test_a_record_over_many_lines_is_refused_while_it_is_read():
    # 200 lines of 16,000 cells (3.2 MB): refused at its second line, not after its 3.2
    # million cells were built, and the rest of the file is never read.
    binary = io.BytesIO(record_over_lines(200).encode())
    text = open_text(binary)  # (kept: the wrapper closes the file when collected)
    _header, rows = read_rows(text)
    assert next(rows)[0] == 2
    with pytest.raises(ImportFormatError, match="Baris 3 terlalu panjang"):
        next(rows)
    assert binary.tell() < 128 * 1024


def test_the_limit_is_on_the_lines_of_one_record_together():
    # Row 2, a quoted cell over five lines: exactly the limit is read, one more is not.
    def record(chars):
        content = ("a" * 3_999 + "\n") * 4
        content += "a" * (chars - len(content) - len('1,""\n'))
        return '1,"' + content + '"\n'

    assert len(record(MAX_RECORD_CHARS)) == MAX_RECORD_CHARS
    _header, rows = read_rows(open_text(io.BytesIO(("a,b\n" + record(MAX_RECORD_CHARS)).encode())))
    assert next(rows) == (2, ["1", record(MAX_RECORD_CHARS)[3:-2]])
    _header, rows = read_rows(
        open_text(io.BytesIO(("a,b\n" + record(MAX_RECORD_CHARS + 1)).encode()))
    )
    with pytest.raises(ImportFormatError, match="Baris 2 terlalu panjang"):
        next(rows)


def test_quoted_line_breaks_in_valid_rows_still_import(sepinggan, tmp_path):
    # Each row's own lines are counted, not the file's: 100 rows of a three-line address
    # (~20 KB together, over the limit of one record) import as before.
    rows = [
        siti(
            nik=make_nik(district_code="64.71.05", birth_date=datetime.date(1990, 3, 14),
                         sex="P", serial=n + 1),
            nomor_resi=f"BPN-170801-{n + 1:04d}",
            alamat='"Jl. Sepinggan No. 1\nRT 02\r\nBalikpapan Selatan"',
        )
        for n in range(100)
    ]  # fmt: skip
    text = csv_text(*rows)
    assert len(text) > MAX_RECORD_CHARS
    path = tmp_path / "resi.csv"
    path.write_text(text, encoding="utf-8", newline="")
    call_command("import_receipts", str(path), stdout=io.StringIO())
    assert Receipt.objects.count() == 100
    assert set(Resident.objects.values_list("address", flat=True)) == {
        "Jl. Sepinggan No. 1 RT 02 Balikpapan Selatan"
    }


def test_a_line_just_under_the_limit_is_read(client, staff, sepinggan):
    row = siti(alamat="Jl. " + "a" * (MAX_LINE_CHARS - 400))
    client.force_login(staff)
    upload = SimpleUploadedFile("resi.csv", csv_text(row).encode(), "text/csv")
    response = client.post("/admin/receipts/import/", {"file": upload})
    assert response.status_code == 302


def test_bidi_controls_are_stripped_from_names_on_import(sepinggan):
    from tests.import_rows import run

    result, rejects = run(
        csv_text(siti(nama="Siti \u202eWahyuni\u202c\u2066", alamat="Jl.\u202e Sepinggan"))
    )
    assert rejects == []
    resident = Receipt.objects.get().resident
    assert resident.full_name == "Siti Wahyuni"
    assert resident.address == "Jl. Sepinggan"
