"""The admin upload page: staff upload a CSV, see the summary, download the rejected rows."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from receipts import admin_import
from receipts.models import Receipt
from tests.factories import UserFactory
from tests.import_rows import budi, csv_text, siti

URL = "/admin/receipts/import/"


def upload(client, text, name="resi.csv", **extra):
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv"), **extra}
    return client.post(URL, data)


def test_url_name_is_receipts_import():
    assert reverse("receipts_import") == URL


def test_staff_sees_the_upload_form_with_breadcrumbs(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "csrfmiddlewaretoken" in content
    assert 'class="breadcrumbs"' in content


def test_the_import_page_explains_the_format_itself(staff_client):
    # Staff cannot open a file of the repository: the columns and an example are on the page.
    page = staff_client.get(URL).content.decode()
    assert "Panduan format berkas" in page
    for column in ("nik", "tanggal_lahir", "jenis_kelamin", "nomor_resi", "waktu_rekam"):
        assert f"<code>{column}</code>" in page
    assert "6471055403900001;Siti Wahyuni;14-03-1990" in page
    assert "lihat docs/import-format.md" not in page


def test_staff_uploads_sees_summary_and_downloads_rejects(staff_client, places):
    response = upload(staff_client, csv_text(siti(), budi(nik="123")))
    assert response.status_code == 302
    summary = staff_client.get(response["Location"])
    content = summary.content.decode()
    assert summary.status_code == 200
    assert "Resi baru</th><td>1<" in content
    assert "Ditolak</th><td>1<" in content
    assert Receipt.objects.count() == 1
    link = response["Location"].replace("hasil=", "unduh=")
    assert link.split("?")[1] in content
    download = staff_client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["baris", "alasan", "nik"]
    assert rows[1][0] == "3"
    assert "NIK tidak valid" in rows[1][1]
    assert rows[1][2] == "123"


def test_uploading_the_same_file_twice_reports_everything_unchanged(staff_client, places):
    text = csv_text(siti(), budi())
    upload(staff_client, text)
    response = staff_client.get(upload(staff_client, text)["Location"])
    assert "Tidak berubah</th><td>2<" in response.content.decode()


def test_large_upload_streamed_from_a_temporary_file_is_imported(staff_client, places):
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=10):
        response = upload(staff_client, csv_text(siti(), budi()))
    assert response.status_code == 302
    assert Receipt.objects.count() == 2


def test_dry_run_upload_saves_nothing(staff_client, places):
    response = upload(staff_client, csv_text(siti()), dry_run="on")
    content = staff_client.get(response["Location"]).content.decode()
    assert "Uji coba" in content
    assert Receipt.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("resi.xlsx", "PK\x03\x04", "berformat CSV"),
        ("resi.csv", "", "kosong"),
        ("resi.csv", "nik;nama\n1;2\n", "Kolom wajib tidak ada"),
        ("resi.csv", "\x00\x01\x02" * 100, "bukan berkas teks"),
    ],
)
def test_bad_upload_is_a_form_error_not_a_500(staff_client, places, name, body, message):
    response = upload(staff_client, body, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Receipt.objects.count() == 0


def test_too_big_upload_is_refused(staff_client, places, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_UPLOAD_BYTES", 10)
    response = upload(staff_client, csv_text(siti()))
    assert "terlalu besar" in response.content.decode()
    assert Receipt.objects.count() == 0


def test_anonymous_is_sent_to_the_login_page(anonymous):
    response = anonymous.get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_add_receipt_permission_is_refused(client, db):
    client.force_login(UserFactory(username="tamu", is_staff=True))
    assert client.get(URL).status_code == 403


def test_post_without_csrf_token_is_refused(staff, places):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = upload(client, csv_text(siti()))
    assert response.status_code == 403
    assert Receipt.objects.count() == 0


def test_another_users_result_token_is_not_found(staff_client, places, superuser):
    location = upload(staff_client, csv_text(siti(), budi(nik="1")))["Location"]
    other = Client()
    other.force_login(superuser)
    assert other.get(location).status_code == 404
    assert other.get(location.replace("hasil=", "unduh=")).status_code == 404
