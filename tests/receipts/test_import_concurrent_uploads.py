"""Two admin uploads at the same moment (issue 16): both answered, one import at a time,
nothing half-written (PostgreSQL, real threads, each request committing for real).

The tests' task backend is the immediate one: each POST runs its import when its own upload
commits, in its own thread, as two `long` workers would. The two files overlap (the same
residents and receipts), the case the import's advisory lock exists for: without it both
would check "new?" before either inserts, and the receipts would come in twice or one import
would fail on the unique constraint.
"""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client

from distribution.roles import STAFF_GROUP
from receipts.importing import orchestration
from receipts.models import ImportJob, ImportUploadChunk, JobStatus, Receipt
from tests.factories import UserFactory, in_group
from tests.import_rows import budi, counts, csv_text, siti

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.slow]

URL = "/admin/receipts/import/"


class InsideTheLock:
    """Counts the imports between their first write (after the advisory lock) and the end of
    their changes, and holds each there a moment so that two would overlap without the lock."""

    def __init__(self, monkeypatch, hold: float = 0.5):
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0
        self.entered = 0
        real_create, real_apply = orchestration._Stage.create, orchestration._apply

        def create(stage, *args, **kwargs):
            with self.lock:
                self.inside += 1
                self.entered += 1
                self.most = max(self.most, self.inside)
            return real_create(stage, *args, **kwargs)

        def apply(*args, **kwargs):
            try:
                time.sleep(hold)
                return real_apply(*args, **kwargs)
            finally:
                with self.lock:
                    self.inside -= 1

        monkeypatch.setattr(orchestration._Stage, "create", create)
        monkeypatch.setattr(orchestration, "_apply", apply)


def two_staff_sessions() -> list[Client]:
    """Two staff members, each logged in in a session of their own."""
    clients = []
    for n in (1, 2):
        client = Client()
        client.force_login(in_group(UserFactory(username=f"staf.{n}", is_staff=True), STAFF_GROUP))
        clients.append(client)
    return clients


def post_at_once(clients, texts):
    barrier = threading.Barrier(len(clients))
    answers, errors = [], []

    def submit(client, text):
        try:
            upload = SimpleUploadedFile("resi.csv", text.encode("utf-8"), "text/csv")
            barrier.wait(timeout=30)
            answers.append(client.post(URL, {"file": upload}))
        except Exception as error:  # noqa: BLE001 - reported below, with the others
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(clients, texts, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return answers


def test_two_uploads_of_overlapping_files_at_once_import_one_after_the_other(places, monkeypatch):
    clients = two_staff_sessions()
    probe = InsideTheLock(monkeypatch)
    text = csv_text(siti(), budi())

    answers = post_at_once(clients, [text, text])

    assert [a.status_code for a in answers] == [302, 302]  # both answered, no 500
    jobs = list(ImportJob.objects.order_by("pk"))
    assert {a["Location"] for a in answers} == {job.get_absolute_url() for job in jobs}
    assert [job.status for job in jobs] == [JobStatus.DONE] * 2, [j.error for j in jobs]
    assert (probe.entered, probe.most) == (2, 1)  # both ran, never two at once
    # One of them inserted both receipts, the other found them unchanged: once each.
    inserted = sorted(job.counts["inserted"] for job in jobs)
    unchanged = sorted(job.counts["unchanged"] for job in jobs)
    assert (inserted, unchanged) == ([0, 2], [0, 2])
    assert sorted(Receipt.objects.values_list("resident__full_name", flat=True)) == [
        "Budi Santoso",
        "Siti Wahyuni",
    ]
    assert not ImportUploadChunk.objects.exists()  # both stored files gone
    # Residents, receipts, and one "recorded" event each, as one import alone: nothing doubled.
    assert counts() == (2, 2, 2)


def test_an_upload_meeting_a_failing_one_is_not_harmed(places, monkeypatch):
    """One upload's import fails (a row the database refuses midway); the other's, at the
    same moment, imports whole, and the failed one leaves nothing behind."""
    clients = two_staff_sessions()
    real_apply = orchestration._apply
    failing = threading.local()

    def apply(*args, **kwargs):
        if getattr(failing, "yes", False):
            from django.db import DatabaseError

            raise DatabaseError("disk full")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(orchestration, "_apply", apply)
    real_post = Client.post

    def post(self, *args, **kwargs):
        failing.yes = self is clients[0]
        return real_post(self, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post)

    answers = post_at_once(clients, [csv_text(siti()), csv_text(budi())])

    assert [a.status_code for a in answers] == [302, 302]
    by_user = {job.uploaded_by.username: job for job in ImportJob.objects.all()}
    assert by_user["staf.1"].status == JobStatus.FAILED
    assert "tidak ada yang disimpan" in by_user["staf.1"].error
    assert by_user["staf.2"].status == JobStatus.DONE
    assert list(Receipt.objects.values_list("resident__full_name", flat=True)) == ["Budi Santoso"]
    assert not ImportUploadChunk.objects.exists()
