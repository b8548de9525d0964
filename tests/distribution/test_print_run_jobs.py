"""Big print runs on the task worker (issue 16, finding 14): the run form's POST above
PRINT_RUN_DIRECT_MAX_CARDS queues a job, the worker creates the run, the job's page leads to
it (distribution/print_run_jobs.py).

The tests' task backend is the immediate one: ``post_run`` runs the queued job when the
request's transaction commits (``django_capture_on_commit_callbacks``), as a worker would right
after; ``run=False`` leaves it queued. PRINT_RUN_DIRECT_MAX_CARDS is set to 5, so that a
handful of receipts is a "big" run.
"""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from disdukcapil.tasks import tasks_fail_stale
from distribution.models import BlankBatch, IdempotencyKey, PrintRun, PrintRunJob
from distribution.print_run_jobs import print_run_job_run
from distribution.roles import STAFF_GROUP
from distribution.services import print_run_create
from distribution.tasks import print_run_job_task
from receipts.models import Receipt, Status
from tests.factories import BlankBatchFactory, UserFactory, in_group, waiting_receipts

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)
CREATE = reverse("staf:run_create")
TOKEN = "satu-kali-token-0123456789"
LIMIT = 5


@pytest.fixture(autouse=True)
def limit(settings):
    settings.PRINT_RUN_DIRECT_MAX_CARDS = LIMIT
    settings.PRINT_RUN_JOB_STALE_SECONDS = 600


@pytest.fixture
def queue(sepinggan):
    """Ten receipts waiting, recorded before the cutoff."""
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    return waiting_receipts(kelurahan=sepinggan, count=10, first_recorded_at=start)


@pytest.fixture
def blanks(db):
    return BlankBatchFactory(quantity=50)


@pytest.fixture
def post_run(django_capture_on_commit_callbacks):
    """POST the preview page's "create" form; a queued job runs when the request commits."""

    def post_run(client, count, token=TOKEN, run=True):
        data = {"kecamatan": "", "count": str(count), "cutoff_date": CUTOFF.isoformat()}
        if token:
            data["idempotency_key"] = token
        with django_capture_on_commit_callbacks(execute=run):
            return client.post(CREATE, data)

    return post_run


@pytest.fixture
def other_staff(db):
    return in_group(UserFactory(username="staf.lain", is_staff=True), STAFF_GROUP)


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def job_url(job) -> str:
    return reverse("staf:run_job", args=[job.pk])


def test_a_run_above_the_limit_is_a_job_page_until_the_worker_has_made_it(
    staff_client, staff, queue, blanks, post_run
):
    response = post_run(staff_client, LIMIT + 1, run=False)
    job = PrintRunJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job) == f"/staf/cetak/tugas/{job.pk}/"
    assert (job.status, job.requested_by, job.count, job.token) == ("waiting", staff, 6, TOKEN)
    assert PrintRun.objects.count() == 0
    assert Receipt.objects.filter(status=Status.RECORDED).count() == 10

    page = staff_client.get(job_url(job))
    assert page.status_code == 200
    content = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in content
    assert "menunggu" in content
    assert "Cache-Control" in page and "no-store" in page["Cache-Control"]

    print_run_job_task.enqueue(job.pk)  # what the worker does

    run = PrintRun.objects.get()
    job.refresh_from_db()
    assert (job.status, job.print_run, job.error) == ("done", run, "")
    assert job.started_at <= job.finished_at
    assert (run.requested, run.allocated, run.created_by) == (6, 6, staff)
    assert Receipt.objects.filter(status=Status.QUEUED).count() == 6
    assert IdempotencyKey.objects.get(key=TOKEN).object_id == run.pk

    done = staff_client.get(job_url(job))
    assert done.status_code == 302
    assert done["Location"] == reverse("staf:run_detail", args=[run.pk])
    assert said(done) == [("success", f"Proses cetak #{run.pk} dibuat dengan 6 kartu.")]
    detail = staff_client.get(done["Location"])
    assert detail.status_code == 200


def test_a_job_that_gets_fewer_cards_than_asked_warns_like_the_direct_path(
    staff_client, queue, blanks, post_run
):
    post_run(staff_client, 12)
    run = PrintRun.objects.get()
    assert (run.requested, run.allocated) == (12, 10)
    done = staff_client.get(job_url(PrintRunJob.objects.get()))
    assert done["Location"] == reverse("staf:run_detail", args=[run.pk])
    assert said(done) == [
        (
            "warning",
            f"Proses cetak #{run.pk} dibuat dengan 10 kartu, kurang dari 12 yang diminta "
            "(blanko atau resi tidak cukup).",
        )
    ]


def test_the_same_form_posted_twice_is_one_job_and_one_run(staff_client, queue, blanks, post_run):
    first = post_run(staff_client, 6)
    second = post_run(staff_client, 6)
    job = PrintRunJob.objects.get()
    assert first["Location"] == second["Location"] == job_url(job)
    assert [level for level, _text in said(second)] == ["info"]
    assert "Formulir ini sudah tersimpan sebelumnya" in said(second)[0][1]
    assert PrintRun.objects.count() == 1
    assert Receipt.objects.filter(status=Status.QUEUED).count() == 6
    job.refresh_from_db()
    done = staff_client.get(job_url(job))
    assert done["Location"] == reverse("staf:run_detail", args=[PrintRun.objects.get().pk])


def test_the_form_sent_back_with_a_bigger_count_answers_with_its_first_run(
    staff_client, queue, blanks, post_run
):
    direct = post_run(staff_client, 3)
    run = PrintRun.objects.get()
    again = post_run(staff_client, 8)
    assert again["Location"] == direct["Location"] == reverse("staf:run_detail", args=[run.pk])
    assert "sudah tersimpan sebelumnya" in said(again)[-1][1]
    assert PrintRunJob.objects.count() == 0
    assert PrintRun.objects.count() == 1


def test_two_forms_are_two_jobs(staff_client, queue, blanks, post_run):
    post_run(staff_client, 6)
    post_run(staff_client, 6, token="another-token-0123456789")
    assert PrintRunJob.objects.count() == 2
    assert sorted(PrintRun.objects.values_list("allocated", flat=True)) == [4, 6]


def test_another_staff_member_and_a_superuser_get_404(
    client, staff_client, other_staff, superuser, queue, blanks, post_run
):
    post_run(staff_client, 6, run=False)
    job = PrintRunJob.objects.get()
    for account in (other_staff, superuser):
        client.force_login(account)
        assert client.get(job_url(job)).status_code == 404
    assert client.get(reverse("staf:run_job", args=[job.pk + 1])).status_code == 404


def test_anonymous_is_sent_to_log_in_and_a_clerk_is_refused(client, staff, clerk_selatan):
    job = PrintRunJob.objects.create(requested_by=staff, token=TOKEN, count=6, cutoff_date=CUTOFF)
    response = client.get(job_url(job))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=")
    client.force_login(clerk_selatan)
    assert client.get(job_url(job)).status_code == 403
    assert client.post(job_url(job)).status_code in (403, 405)


def test_no_blanks_fails_the_job_with_the_services_message_and_no_run(
    staff_client, queue, post_run
):
    post_run(staff_client, 6)
    job = PrintRunJob.objects.get()
    assert job.status == "failed"
    assert job.error == (
        "Stok blanko habis: catat kiriman blanko baru sebelum membuat proses cetak."
    )
    assert PrintRun.objects.count() == 0
    assert not IdempotencyKey.objects.exists()  # rolled back with the run: may be sent again
    assert Receipt.objects.filter(status=Status.RECORDED).count() == 10
    page = staff_client.get(job_url(job))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Stok blanko habis" in content
    assert "gagal" in content
    assert 'http-equiv="refresh"' not in content
    assert f'href="{reverse("staf:run_new")}"' in content


def test_no_receipts_before_the_cutoff_fails_the_job(staff_client, blanks, post_run):
    post_run(staff_client, 6)
    job = PrintRunJob.objects.get()
    assert job.status == "failed"
    assert "Tidak ada resi yang menunggu blanko dengan tanggal rekam sampai 05-08-2017" in (
        job.error
    )
    assert BlankBatch.objects.get().used == 0


def running_job(staff, *, started_ago: datetime.timedelta, token=TOKEN) -> PrintRunJob:
    return PrintRunJob.objects.create(
        requested_by=staff, token=token, count=6, cutoff_date=CUTOFF,
        status=PrintRunJob.Status.RUNNING, started_at=timezone.now() - started_ago,
    )  # fmt: skip


def test_a_running_job_shows_running_and_reloads(staff_client, staff):
    job = running_job(staff, started_ago=datetime.timedelta(seconds=20))
    content = staff_client.get(job_url(job)).content.decode()
    assert "berjalan" in content
    assert 'http-equiv="refresh"' in content
    job.refresh_from_db()
    assert job.status == "running"


def test_a_job_running_past_the_stale_limit_without_a_run_shows_failed(staff_client, staff):
    job = running_job(staff, started_ago=datetime.timedelta(seconds=601))
    page = staff_client.get(job_url(job))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Proses cetak tidak selesai: pekerja latar belakang berhenti" in content
    assert 'http-equiv="refresh"' not in content
    job.refresh_from_db()
    assert (job.status, job.print_run) == ("failed", None)
    assert job.finished_at is not None


def test_a_job_whose_worker_died_after_the_commit_shows_its_run_and_never_makes_a_second(
    staff_client, staff, queue, blanks
):
    # The worker claimed the job and committed the run, then died before marking it done.
    job = running_job(staff, started_ago=datetime.timedelta(seconds=700))
    run = print_run_create(
        kecamatan=None, count=6, cutoff_date=CUTOFF, actor=staff, idempotency_key=TOKEN
    )
    page = staff_client.get(job_url(job))
    assert page.status_code == 302
    assert page["Location"] == reverse("staf:run_detail", args=[run.pk])
    assert said(page) == [("success", f"Proses cetak #{run.pk} dibuat dengan 6 kartu.")]
    job.refresh_from_db()
    assert (job.status, job.print_run, job.error) == ("done", run, "")

    # The task run again, even on a job put back to waiting: the token's run, not a second.
    assert print_run_job_run(job_id=job.pk) == "skipped"
    PrintRunJob.objects.filter(pk=job.pk).update(
        status=PrintRunJob.Status.WAITING, print_run=None, finished_at=None
    )
    print_run_job_task.enqueue(job.pk)
    job.refresh_from_db()
    assert (job.status, job.print_run) == ("done", run)
    assert PrintRun.objects.count() == 1
    assert Receipt.objects.filter(status=Status.QUEUED).count() == 6


def test_a_job_declared_stale_while_its_run_committed_ends_done(staff_client, staff, queue, blanks):
    job = running_job(staff, started_ago=datetime.timedelta(seconds=700))
    staff_client.get(job_url(job))
    job.refresh_from_db()
    assert job.status == "failed"
    run = print_run_create(
        kecamatan=None, count=6, cutoff_date=CUTOFF, actor=staff, idempotency_key=TOKEN
    )
    page = staff_client.get(job_url(job))
    assert page["Location"] == reverse("staf:run_detail", args=[run.pk])
    job.refresh_from_db()
    assert (job.status, job.print_run, job.error) == ("done", run, "")


def test_a_run_at_the_limit_is_created_in_the_request_as_before(
    staff_client, queue, blanks, post_run
):
    response = post_run(staff_client, LIMIT, run=False)
    run = PrintRun.objects.get()
    assert response["Location"] == reverse("staf:run_detail", args=[run.pk])
    assert said(response) == [("success", f"Proses cetak #{run.pk} dibuat dengan 5 kartu.")]
    assert PrintRunJob.objects.count() == 0


def test_the_preview_of_a_big_run_says_it_runs_in_the_background(staff_client, queue, blanks):
    query = {"kecamatan": "", "cutoff_date": CUTOFF.isoformat()}
    big = staff_client.get(reverse("staf:run_preview"), {**query, "count": LIMIT + 1})
    assert "dibuat oleh pekerja latar belakang" in big.content.decode()
    small = staff_client.get(reverse("staf:run_preview"), {**query, "count": LIMIT})
    assert "dibuat oleh pekerja latar belakang" not in small.content.decode()


def test_a_limit_of_zero_creates_every_run_in_the_request(
    settings, staff_client, queue, blanks, post_run
):
    settings.PRINT_RUN_DIRECT_MAX_CARDS = 0
    response = post_run(staff_client, 8, run=False)
    assert response["Location"] == reverse("staf:run_detail", args=[PrintRun.objects.get().pk])
    assert PrintRunJob.objects.count() == 0


def test_tasks_fail_stale_fails_the_task_row_of_a_dead_print_run_job(staff):
    def task_row(job):
        return DBTaskResult.objects.create(
            args_kwargs={"args": [job.pk], "kwargs": {}},
            task_path="distribution.tasks.print_run_job_task",
            backend_name="default", queue_name="long", run_after=job.started_at,
            status=TaskResultStatus.RUNNING, started_at=job.started_at, worker_ids=["w"],
        )  # fmt: skip

    dead = task_row(running_job(staff, started_ago=datetime.timedelta(seconds=601)))
    alive = task_row(running_job(staff, started_ago=datetime.timedelta(seconds=30), token="t" * 20))
    assert tasks_fail_stale() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED
    assert dead.exception_class_path == "disdukcapil.tasks.WorkerLost"
    assert alive.status == TaskResultStatus.RUNNING
