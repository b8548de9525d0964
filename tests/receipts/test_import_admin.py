"""The admin upload page: staff upload a CSV, the task worker imports it, the job's page shows
the progress and then the summary, and the rejected rows download from there.

The tests' task backend is the immediate one: ``upload`` runs the queued job when the request's
transaction commits (``django_capture_on_commit_callbacks``), as a worker would right after.
"""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from distribution.roles import STAFF_GROUP
from receipts import admin_import, import_jobs
from receipts.models import ImportJob, ImportUploadChunk, JobStatus, Receipt
from tests.factories import UserFactory, in_group
from tests.import_rows import budi, csv_text, mixed_rows, siti

URL = "/admin/receipts/import/"


def post(client, text, name="resi.csv", **extra):
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv"), **extra}
    return client.post(URL, data)


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """POST the form; the queued import runs when the request commits (a worker's job)."""

    def upload(client, text, name="resi.csv", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, text, name, **extra)

    return upload


def test_url_name_is_receipts_import():
    assert reverse("receipts_import") == URL
    assert reverse("receipts_import_job", args=[7]) == URL + "7/"
    assert reverse("receipts_import_rejects", args=[7]) == URL + "7/ditolak.csv"


def test_staff_sees_the_upload_form_with_breadcrumbs(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "csrfmiddlewaretoken" in content
    assert 'class="breadcrumbs"' in content
    assert 'type="hidden" name="token"' in content


def test_the_import_page_explains_the_format_itself(staff_client):
    # Staff cannot open a file of the repository: the columns and an example are on the page.
    page = staff_client.get(URL).content.decode()
    assert "Panduan format berkas" in page
    for column in ("nik", "tanggal_lahir", "jenis_kelamin", "nomor_resi", "waktu_rekam"):
        assert f"<code>{column}</code>" in page
    assert "6471055403900001;Siti Wahyuni;14-03-1990" in page
    assert "lihat docs/import-format.md" not in page


def test_upload_only_stores_the_file_and_queues_the_import(
    staff_client, staff, places, django_capture_on_commit_callbacks
):
    text = csv_text(siti(), budi())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(staff_client, text)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{job.pk}/"
    # Nothing imported in the request: the file waits in the database for the worker.
    assert Receipt.objects.count() == 0
    assert (job.status, job.uploaded_by, job.file_name) == (
        JobStatus.WAITING,
        staff,
        "resi.csv",
    )
    assert (job.size, job.rows_total) == (len(text.encode()), 2)
    stored = b"".join(bytes(c) for c in job.chunks.order_by("seq").values_list("data", flat=True))
    assert stored == text.encode()
    assert len(callbacks) == 1  # the enqueue, once the upload is committed
    page = staff_client.get(response["Location"]).content.decode()
    assert "menunggu" in page and 'http-equiv="refresh"' in page


def test_upload_queues_a_task_on_the_long_queue_of_the_database_backend(
    staff_client, places, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "long"]}
    }
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_client, csv_text(siti()))
    job = ImportJob.objects.get()
    task = DBTaskResult.objects.get()
    assert task.task_path == "receipts.tasks.import_job_task"
    assert (task.queue_name, task.args_kwargs["args"]) == ("long", [job.pk])
    assert Receipt.objects.count() == 0 and job.status == JobStatus.WAITING


def test_staff_uploads_sees_summary_and_downloads_rejects(staff_client, places, upload):
    response = upload(staff_client, csv_text(siti(), budi(nik="123")))
    assert response.status_code == 302
    summary = staff_client.get(response["Location"])
    content = summary.content.decode()
    assert summary.status_code == 200
    assert "Resi baru</th><td>1<" in content
    assert "Ditolak</th><td>1<" in content
    assert "http-equiv" not in content  # finished: no more reloading
    assert Receipt.objects.count() == 1
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE and job.counts["rejected"] == 1
    assert not job.chunks.exists()  # the stored file is gone once imported
    link = reverse("receipts_import_rejects", args=[job.pk])
    assert link in content
    download = staff_client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["baris", "alasan", "nik"]
    assert rows[1][0] == "3"
    assert "NIK tidak valid" in rows[1][1]
    assert rows[1][2] == "123"


def test_the_report_is_in_the_database_not_the_cache(staff_client, places, upload):
    from django.core.cache import cache

    location = upload(staff_client, csv_text(siti(), budi(nik="123")))["Location"]
    cache.clear()  # another worker, a restart, a cache without Redis
    content = staff_client.get(location).content.decode()
    assert "Resi baru</th><td>1<" in content


def test_a_file_read_back_in_many_pieces_imports_the_same(
    staff_client, places, upload, monkeypatch
):
    monkeypatch.setattr(import_jobs, "UPLOAD_CHUNK_BYTES", 97)  # rows cut across pieces
    rows = mixed_rows()
    upload(staff_client, csv_text(*rows))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE, job.error
    assert (job.counts["rows"], job.counts["inserted"], job.counts["rejected"]) == (12, 8, 4)
    assert Receipt.objects.count() == 8


def test_uploading_the_same_file_twice_reports_everything_unchanged(staff_client, places, upload):
    text = csv_text(siti(), budi())
    upload(staff_client, text)
    response = staff_client.get(upload(staff_client, text)["Location"])
    assert "Tidak berubah</th><td>2<" in response.content.decode()
    assert ImportJob.objects.count() == 2


def test_the_same_form_posted_twice_is_one_import(staff_client, places, upload):
    text = csv_text(siti(), budi())
    first = upload(staff_client, text, token="form-token-1")
    second = upload(staff_client, text, token="form-token-1")
    assert first["Location"] == second["Location"]
    job = ImportJob.objects.get()
    assert job.counts["inserted"] == 2  # the one import; the second POST imported nothing
    assert Receipt.objects.count() == 2


def test_another_staff_users_job_is_not_found(staff_client, staff, places, upload, superuser):
    location = upload(staff_client, csv_text(siti(), budi(nik="1")))["Location"]
    job = ImportJob.objects.get()
    other = Client()
    other.force_login(in_group(UserFactory(username="staf2", is_staff=True), STAFF_GROUP))
    assert other.get(location).status_code == 404
    assert other.get(reverse("receipts_import_rejects", args=[job.pk])).status_code == 404
    assert job.file_name not in other.get(URL).content.decode()  # nor in the recent list
    # The uploader and superusers see it.
    root = Client()
    root.force_login(superuser)
    assert root.get(location).status_code == 200
    assert root.get(reverse("receipts_import_rejects", args=[job.pk])).status_code == 200


def test_progress_page_shows_rows_done_of_total_and_reloads_without_javascript(staff_client, staff):
    now = timezone.now()
    job = ImportJob.objects.create(
        uploaded_by=staff, token="t", file_name="besar.csv", size=52_000_000,
        status=JobStatus.RUNNING, rows_total=540_000, rows_done=125_000,
        started_at=now, heartbeat_at=now,
    )  # fmt: skip
    response = staff_client.get(job.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "berjalan" in page
    assert '<strong class="rows-done">125.000</strong>' in page
    assert '<strong class="rows-total">540.000</strong>' in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress max="540000" value="125000">' in page
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))


def test_a_waiting_job_says_how_many_imports_are_ahead(staff_client, staff):
    first = ImportJob.objects.create(uploaded_by=staff, token="a", file_name="a.csv", size=1)
    second = ImportJob.objects.create(uploaded_by=staff, token="b", file_name="b.csv", size=1)
    page = staff_client.get(second.get_absolute_url()).content.decode()
    assert "1 impor lain diproses lebih dulu" in page
    assert "http-equiv" in staff_client.get(first.get_absolute_url()).content.decode()


def test_a_second_job_runs_after_the_first_not_beside_it(staff, places, monkeypatch):
    # One import at a time: the worker's task of a job that is not waiting does nothing.
    job = ImportJob.objects.create(uploaded_by=staff, token="a", file_name="a.csv", size=1)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    assert import_jobs.import_job_run(job_id=job.pk) == "skipped"


def test_large_upload_streamed_from_a_temporary_file_is_imported(staff_client, places, upload):
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=10):
        response = upload(staff_client, csv_text(siti(), budi()))
    assert response.status_code == 302
    assert Receipt.objects.count() == 2


def test_dry_run_upload_saves_nothing(staff_client, places, upload):
    response = upload(staff_client, csv_text(siti()), dry_run="on")
    content = staff_client.get(response["Location"]).content.decode()
    assert "Uji coba" in content
    assert "Resi baru</th><td>1<" in content
    assert Receipt.objects.count() == 0
    assert ImportJob.objects.get().status == JobStatus.DONE


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("resi.xlsx", "PK\x03\x04", "berformat CSV"),
        ("resi.csv", "", "kosong"),
        ("resi.csv", "nik;nama\n1;2\n", "Kolom wajib tidak ada"),
        ("resi.csv", "\x00\x01\x02" * 100, "bukan berkas teks"),
        ("resi.csv", ";" * 100_000, "terlalu panjang"),
    ],
)
def test_bad_upload_is_a_form_error_not_a_500(staff_client, places, name, body, message):
    # What the header tells is answered at once, and nothing is stored or queued.
    response = post(staff_client, body, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Receipt.objects.count() == 0
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("x;" * 60 + "\n", "kolom; paling banyak 50"),
        ("x" * 20_000 + "\n", "terlalu panjang"),
    ],
)
def test_a_malformed_row_ends_in_a_failed_job_and_nothing_imported(
    staff_client, places, upload, tail, message
):
    text = csv_text(siti(), budi(), sep=";") + tail
    response = upload(staff_client, text)
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert message in job.error
    assert Receipt.objects.count() == 0  # not even the two good rows before it
    assert not ImportUploadChunk.objects.exists()
    page = staff_client.get(response["Location"]).content.decode()
    assert "gagal" in page and message in page and "http-equiv" not in page


def test_an_unexpected_failure_is_a_failed_job_not_running_forever(
    staff_client, places, upload, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(import_jobs, "import_receipts", broken)
    upload(staff_client, csv_text(siti()))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and "tidak ada yang disimpan" in job.error


@pytest.mark.postgres
def test_a_running_job_whose_heartbeat_stopped_is_shown_failed(staff_client, staff):
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    job = ImportJob.objects.create(
        uploaded_by=staff, token="t", file_name="besar.csv", size=1,
        status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago,
    )  # fmt: skip
    alive = ImportJob.objects.create(
        uploaded_by=staff, token="u", file_name="b.csv", size=1,
        status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=timezone.now(),
    )  # fmt: skip
    page = staff_client.get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    alive.refresh_from_db()
    assert job.status == JobStatus.FAILED and "Impor terhenti" in job.error
    assert "Impor terhenti" in page and "http-equiv" not in page
    assert alive.status == JobStatus.RUNNING


def test_too_big_upload_is_refused(staff_client, places, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_UPLOAD_BYTES", 10)
    response = post(staff_client, csv_text(siti()))
    assert "terlalu besar" in response.content.decode()
    assert Receipt.objects.count() == 0
    assert not ImportJob.objects.exists()


def test_anonymous_is_sent_to_the_login_page(anonymous, staff):
    job = ImportJob.objects.create(uploaded_by=staff, token="t", file_name="a.csv", size=1)
    for url in (URL, job.get_absolute_url(), reverse("receipts_import_rejects", args=[job.pk])):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_staff_without_add_receipt_permission_is_refused(client, db):
    user = UserFactory(username="tamu", is_staff=True)
    job = ImportJob.objects.create(uploaded_by=user, token="t", file_name="a.csv", size=1)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.get(job.get_absolute_url()).status_code == 403


def test_post_without_csrf_token_is_refused(staff, places):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = post(client, csv_text(siti()))
    assert response.status_code == 403
    assert Receipt.objects.count() == 0
    assert not ImportJob.objects.exists()
