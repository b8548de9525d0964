"""Big staff exports on the task worker: asked for on a page, written by the worker, downloaded
from the job's page by the account that asked (distribution/export_jobs.py).

The tests' task backend is the immediate one: ``ask`` runs the queued job when the request's
transaction commits (``django_capture_on_commit_callbacks``), as a worker would right after.
EXPORT_DIRECT_MAX_ROWS is set low so that a handful of receipts is a "big" export.
"""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from disdukcapil.spreadsheet import csv_pieces
from distribution import export_jobs, exports
from distribution.models import ExportFileChunk, ExportJob
from distribution.roles import STAFF_GROUP
from receipts.models import Status
from tests.factories import (
    KelurahanFactory,
    ReceiptFactory,
    ResidentFactory,
    UserFactory,
    in_group,
)

EXPORT = reverse("ekspor:receipts")
JOBS = reverse("ekspor:jobs")
TOKEN = "satu-kali-token-0123456789"


@pytest.fixture
def receipts(selatan, sepinggan, prapatan):
    # A kelurahan name a spreadsheet would run as a formula: the stored file escapes it too.
    evil = KelurahanFactory(code="64.71.05.1099", name='=HYPERLINK("x")', kecamatan=selatan)
    made = []
    for i, (kelurahan, status) in enumerate(
        [
            (sepinggan, Status.READY),
            (prapatan, Status.READY),
            (evil, Status.READY),
            (sepinggan, Status.READY),
            (sepinggan, Status.PRINTED),
        ]
    ):
        made.append(
            ReceiptFactory(
                number=f"BPN000000000{i}",
                resident=ResidentFactory(kelurahan=kelurahan),
                status=status,
                recorded_at=datetime.datetime(2017, 8, 1, 1, i, tzinfo=datetime.UTC),
            )
        )
    return made


@pytest.fixture
def limit(settings):
    settings.EXPORT_DIRECT_MAX_ROWS = 3
    return 3


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POST the "prepare the file" form; the queued job runs when the request commits."""

    def ask(client, status="ready", kecamatan="", token=TOKEN, run=True):
        data = {"status": status, "kecamatan": kecamatan}
        if token:
            data["idempotency_key"] = token
        with django_capture_on_commit_callbacks(execute=run):
            return client.post(JOBS, data)

    return ask


@pytest.fixture
def other_staff(db):
    return in_group(UserFactory(username="staf.lain", is_staff=True), STAFF_GROUP)


def direct_csv(client, **query) -> bytes:
    response = client.get(EXPORT, query)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def no_store(response) -> bool:
    return {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_a_big_export_offers_the_job_and_a_get_creates_nothing(staff_client, receipts, limit):
    response = staff_client.get(EXPORT, {"status": "ready"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "terlalu besar untuk diunduh langsung" in page
    assert f'action="{JOBS}"' in page
    assert 'name="idempotency_key"' in page
    assert 'name="status" value="ready"' in page
    assert ExportJob.objects.count() == 0


def test_an_export_at_the_limit_is_still_the_csv_itself(staff_client, receipts, settings):
    settings.EXPORT_DIRECT_MAX_ROWS = 4  # exactly the four ready receipts
    body = direct_csv(staff_client, status="ready")
    assert body.count(b"\r\n") == 5
    assert ExportJob.objects.count() == 0


def test_the_job_runs_and_its_file_is_the_direct_export(
    staff_client, staff, receipts, settings, ask
):
    expected = direct_csv(staff_client, status="ready")  # under the default limit: direct
    settings.EXPORT_DIRECT_MAX_ROWS = 3
    response = ask(staff_client)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ekspor:job", args=[job.pk])
    assert (job.status, job.requested_by, job.filters) == (
        ExportJob.Status.DONE,
        staff,
        {"status": "ready", "kecamatan": ""},
    )
    assert (job.rows_total, job.rows_done, job.size) == (4, 4, len(expected))
    assert job.file_name == "resi-ready-semua-kecamatan.csv"
    page = staff_client.get(response["Location"])
    assert no_store(page)
    content = page.content.decode()
    assert "selesai" in content
    assert 'http-equiv="refresh"' not in content
    link = reverse("ekspor:download", args=[job.pk])
    assert f'href="{link}"' in content
    download = staff_client.get(link)
    assert download.status_code == 200
    assert no_store(download)
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        download["Content-Disposition"] == 'attachment; filename="resi-ready-semua-kecamatan.csv"'
    )
    assert download["Content-Length"] == str(len(expected))
    body = b"".join(download.streaming_content)
    assert body == expected
    assert b'"\'=HYPERLINK(""x"")"' in body  # escaped, never a formula


def test_a_file_of_many_pieces_is_the_same_file(staff_client, receipts, settings, ask, monkeypatch):
    expected = direct_csv(staff_client, status="ready")
    settings.EXPORT_DIRECT_MAX_ROWS = 3
    # Pieces of one row, stored two rows at a time: three stored pieces for four rows.
    monkeypatch.setattr(export_jobs, "csv_pieces", lambda h, r: csv_pieces(h, r, piece_chars=1))
    monkeypatch.setattr(export_jobs, "STORED_PIECE_BYTES", 150)
    ask(staff_client)
    job = ExportJob.objects.get()
    assert ExportFileChunk.objects.filter(job=job).count() >= 3
    download = staff_client.get(reverse("ekspor:download", args=[job.pk]))
    assert b"".join(download.streaming_content) == expected


def test_a_kecamatan_export_job(staff_client, receipts, limit, ask, settings):
    ask(staff_client, status="", kecamatan="selatan")
    job = ExportJob.objects.get()
    assert job.file_name == "resi-semua-selatan.csv"
    body = b"".join(staff_client.get(reverse("ekspor:download", args=[job.pk])).streaming_content)
    settings.EXPORT_DIRECT_MAX_ROWS = 100
    assert body == direct_csv(staff_client, kecamatan="selatan")


def test_the_same_form_posted_twice_is_one_job(staff_client, receipts, limit, ask):
    first = ask(staff_client, run=False)
    second = ask(staff_client, run=False)
    job = ExportJob.objects.get()
    assert first["Location"] == second["Location"] == job.get_absolute_url()
    assert job.status == ExportJob.Status.WAITING


def test_a_second_form_for_the_same_export_finds_the_waiting_job(
    staff_client, receipts, limit, ask
):
    ask(staff_client, run=False)
    again = ask(staff_client, token="another-token-0123456789", run=False)
    job = ExportJob.objects.get()
    assert again["Location"] == job.get_absolute_url()
    # Another export of the same account is a job of its own.
    ask(staff_client, status="printed", token="third-token-0123456789", run=False)
    assert ExportJob.objects.count() == 2


def test_a_finished_job_does_not_stop_a_new_one(staff_client, receipts, limit, ask):
    ask(staff_client)
    ask(staff_client, token="another-token-0123456789")
    assert list(ExportJob.objects.values_list("status", flat=True)) == ["done", "done"]


def test_the_page_of_a_waiting_job_reloads_itself(staff_client, receipts, limit, ask):
    response = ask(staff_client, run=False)
    page = staff_client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "menunggu" in page.lower()
    link = reverse("ekspor:download", args=[ExportJob.objects.get().pk])
    assert link not in page
    assert staff_client.get(link).status_code == 404  # not ready yet


def test_the_page_of_a_running_job_shows_rows_done_of_total(staff_client, staff, limit):
    job = ExportJob.objects.create(
        requested_by=staff, token=TOKEN, kind="receipts", file_name="resi.csv",
        status=ExportJob.Status.RUNNING, rows_total=500_000, rows_done=120_000,
        heartbeat_at=timezone.now(),
    )  # fmt: skip
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert re.search(r'rows-done">120\S000<', page)
    assert re.search(r'rows-total">500\S000<', page)
    assert 'http-equiv="refresh"' in page


def test_another_staff_member_cannot_see_or_download_the_job(
    client, staff_client, other_staff, receipts, limit, ask
):
    ask(staff_client)
    job = ExportJob.objects.get()
    client.force_login(other_staff)
    assert client.get(reverse("ekspor:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("ekspor:download", args=[job.pk])).status_code == 404
    assert job.file_name not in client.get(JOBS).content.decode()


def test_a_superuser_does_not_see_another_accounts_file(
    client, staff_client, superuser, receipts, limit, ask
):
    ask(staff_client)
    job = ExportJob.objects.get()
    client.force_login(superuser)
    assert client.get(reverse("ekspor:download", args=[job.pk])).status_code == 404


def test_anonymous_is_sent_to_log_in_and_a_clerk_is_refused(client, staff, clerk_selatan, limit):
    job = ExportJob.objects.create(requested_by=staff, token=TOKEN, kind="receipts")
    urls = [JOBS, reverse("ekspor:job", args=[job.pk]), reverse("ekspor:download", args=[job.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
    assert client.post(JOBS, {"status": "ready"}).status_code == 302
    client.force_login(clerk_selatan)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(JOBS, {"status": "ready"}).status_code == 403
    assert ExportJob.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "hilang"}, "Status tidak dikenal"),
        ({"kecamatan": "mars"}, "Kecamatan tidak dikenal"),
        ({"kecamatan": "a\x00b"}, "Kecamatan tidak dikenal"),
    ],
)
def test_bad_filters_are_a_400_and_no_job(staff_client, db, data, message):
    response = staff_client.post(JOBS, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_a_malformed_token_is_a_400(staff_client, db):
    response = staff_client.post(JOBS, {"status": "ready", "idempotency_key": "<bukan>"})
    assert response.status_code == 400
    assert ExportJob.objects.count() == 0


def test_a_failed_job_is_recorded_and_shown(staff_client, receipts, limit, ask, monkeypatch):
    def broken(self, raw=None):
        yield ("BPN0000000000", "ready", "Siap diambil", "x", "y", "", "")
        raise DatabaseError("connection lost")

    monkeypatch.setattr(exports.ReceiptExport, "rows", broken)
    response = ask(staff_client)
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED
    assert job.finished_at is not None
    assert "Ekspor gagal" in job.error
    assert not ExportFileChunk.objects.filter(job=job).exists()
    page = staff_client.get(response["Location"]).content.decode()
    assert "Ekspor gagal" in page
    assert 'http-equiv="refresh"' not in page
    assert staff_client.get(reverse("ekspor:download", args=[job.pk])).status_code == 404


def test_a_job_whose_worker_died_is_shown_failed(staff_client, staff, settings):
    settings.EXPORT_STALE_SECONDS = 60
    old = timezone.now() - datetime.timedelta(seconds=61)
    job = ExportJob.objects.create(
        requested_by=staff, token=TOKEN, kind="receipts", file_name="resi.csv",
        status=ExportJob.Status.RUNNING, started_at=old, heartbeat_at=old,
    )  # fmt: skip
    ExportFileChunk.objects.create(job=job, seq=0, data=b"x")
    alive = ExportJob.objects.create(
        requested_by=staff, token="alive-token-0123456789", kind="receipts",
        status=ExportJob.Status.RUNNING, heartbeat_at=timezone.now(),
    )  # fmt: skip
    page = staff_client.get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    alive.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert "Ekspor terhenti" in page
    assert not ExportFileChunk.objects.filter(job=job).exists()
    assert alive.status == ExportJob.Status.RUNNING


def test_a_job_declared_stale_while_it_runs_keeps_its_verdict(staff, receipts, limit):
    job = ExportJob.objects.create(
        requested_by=staff, token=TOKEN, kind="receipts", filters={"status": "ready"}
    )
    real = export_jobs._PieceStore.flush

    def flush_then_declared_stale(self, rows_done):
        real(self, rows_done)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED)

    export_jobs._PieceStore.flush = flush_then_declared_stale
    try:
        assert export_jobs.export_job_run(job_id=job.pk) == ExportJob.Status.FAILED
    finally:
        export_jobs._PieceStore.flush = real
    assert not ExportFileChunk.objects.filter(job=job).exists()
    assert export_jobs.export_job_run(job_id=job.pk) == "skipped"


def test_prune_deletes_old_jobs_and_their_files(staff, settings):
    settings.EXPORT_KEEP_HOURS = 24
    now = timezone.now()
    old = ExportJob.objects.create(
        requested_by=staff, token="old-token-0123456789", kind="receipts",
        status=ExportJob.Status.DONE, created_at=now - datetime.timedelta(hours=25),
    )  # fmt: skip
    ExportFileChunk.objects.create(job=old, seq=0, data=b"x")
    recent = ExportJob.objects.create(
        requested_by=staff, token="new-token-0123456789", kind="receipts",
        status=ExportJob.Status.DONE, created_at=now - datetime.timedelta(hours=23),
    )  # fmt: skip
    call_command("prune_export_jobs")
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ExportFileChunk.objects.filter(job_id=old.pk).exists()


def test_my_exports_lists_only_mine(staff_client, staff, other_staff):
    ExportJob.objects.create(
        requested_by=staff, token=TOKEN, kind="receipts", file_name="resi-ready-saya.csv"
    )
    ExportJob.objects.create(
        requested_by=other_staff, token=TOKEN, kind="receipts", file_name="resi-orang-lain.csv"
    )
    page = staff_client.get(JOBS)
    assert no_store(page)
    assert "resi-ready-saya.csv" in page.content.decode()
    assert "resi-orang-lain.csv" not in page.content.decode()


def test_csv_pieces_join_to_the_rows_written_one_by_one():
    rows = [(i, f"=nama {i}", "") for i in range(1000)]
    pieces = list(csv_pieces(["a", "b", "c"], rows, piece_chars=4096))
    assert len(pieces) > 5
    assert all(len(p) < 4096 + 100 for p in pieces)
    text = b"".join(pieces).decode("utf-8")
    assert text.startswith('\ufeff"a";"b";"c"\r\n"0";"\'=nama 0";""\r\n')
    assert text.count("\r\n") == 1001
