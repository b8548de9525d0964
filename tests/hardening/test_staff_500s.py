"""Staff-side 500s and per-row memory bounds (issue 16, findings 11 and 3).

The admin search boxes with the last code point (``%F4%8F%BF%BF``, U+10FFFF), and the
importer's header and rows: a field over the csv module's 131,072 characters, a line of
millions of separators, a row with too many columns. Each is a clear answer, never a 5xx,
and nothing is imported.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from receipts.importing.reading import MAX_COLUMNS, MAX_LINE_CHARS
from receipts.models import Receipt
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


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (HUGE_HEADER, "terlalu panjang"),
        ('"' + "x" * 140_000 + "\n" * 3, "terlalu panjang"),
        ('nik,"nama\n' + ("x" * 10_000 + "\n") * 20, "judul kolom rusak"),
        (ONE_LINE_OF_SEPARATORS, "terlalu panjang"),
        (TOO_MANY_COLUMNS, f"paling banyak {MAX_COLUMNS}"),
    ],
    ids=["huge-header-field", "huge-first-line", "quoted-header-over-field-limit",
         "one-line-of-separators", "too-many-columns"],
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
