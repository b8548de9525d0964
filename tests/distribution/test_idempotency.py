"""A create form submitted twice creates once and answers with the first result (issue 16.14).

Each staff form that creates rows (blank batch, print run, dispatch, pickup days) carries a
one-time token, read here from the page as a browser would. The same submission sent again —
the retry after a timeout, a double click, a reload of the POST — redirects to what the first
one created with "sudah tersimpan sebelumnya". Sent at the same moment from several sessions
(PostgreSQL, real threads), exactly one creates and every answer points to it, never a 500.
Each request commits (transactional tests): the second one meets what the first really wrote.
"""

import datetime
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from distribution.idempotency import FIELD
from distribution.models import BlankBatch, Dispatch, IdempotencyKey, PickupSchedule, PrintRun
from distribution.roles import STAFF_GROUP
from distribution.services import print_run_create, print_run_mark_printed
from tests.factories import (
    BlankBatchFactory,
    UserFactory,
    dispatched_cards,
    in_group,
    waiting_receipts,
)

pytestmark = pytest.mark.django_db(transaction=True)

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)
TOKEN = re.compile(rf'<input type="hidden" name="{FIELD}" value="([A-Za-z0-9_-]+)">')
ALREADY = "Formulir ini sudah tersimpan sebelumnya"


def token_on(page) -> str:
    found = TOKEN.findall(page.content.decode())
    assert len(found) == 1, "the form carries one token"
    return found[0]


@dataclass
class Form:
    """One create form: where it is shown, where it posts, what it creates."""

    page: str
    action: str
    data: dict
    rows: Callable[[], int]
    first_result: Callable[[], str]  # the URL a second submission must be sent to


def batch_form(staff, sepinggan) -> Form:
    return Form(
        page=reverse("staf:dashboard"),
        action=reverse("staf:batch_create"),
        data={"reference": "470/99/DUKCAPIL/2026", "quantity": "500", "received_on": "2026-11-30"},
        rows=BlankBatch.objects.count,
        first_result=lambda: reverse("staf:dashboard"),
    )


def print_run_form(staff, sepinggan) -> Form:
    BlankBatchFactory(quantity=50)
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    waiting_receipts(kelurahan=sepinggan, count=10, first_recorded_at=start)
    query = {"kecamatan": "", "count": "3", "cutoff_date": CUTOFF.isoformat()}
    return Form(
        page=reverse("staf:run_preview") + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
        action=reverse("staf:run_create"),
        data=query,  # 10 receipts wait: a second run of 3 would be created without the token
        rows=PrintRun.objects.count,
        first_result=lambda: reverse("staf:run_detail", args=[PrintRun.objects.get().pk]),
    )


def dispatch_form(staff, sepinggan) -> Form:
    BlankBatchFactory(quantity=50)
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    waiting_receipts(kelurahan=sepinggan, count=4, first_recorded_at=start)
    run = print_run_create(kecamatan=None, count=4, cutoff_date=CUTOFF, actor=staff)
    print_run_mark_printed(print_run=run, actor=staff)
    return Form(
        page=reverse("staf:run_detail", args=[run.pk]),
        action=reverse("staf:run_dispatch", args=[run.pk]),
        data={"konfirmasi": "1"},
        rows=Dispatch.objects.count,
        first_result=lambda: reverse("staf:dispatch_detail", args=[Dispatch.objects.get().pk]),
    )


def pickup_days_form(staff, sepinggan) -> Form:
    dispatch, _cards = dispatched_cards(
        kecamatan=sepinggan.kecamatan, count=2, sent_by=staff, resident_kelurahan=sepinggan
    )
    day = timezone.localdate() + datetime.timedelta(days=2)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return Form(
        page=reverse("staf:dispatch_detail", args=[dispatch.pk]),
        action=reverse("staf:dispatch_schedule", args=[dispatch.pk]),
        # Without the token a second submission is refused with 400: "sudah ada".
        data={"start_date": day.isoformat(), "start_time": "08:00", "end_time": "12:00",
              "place": "Aula Kecamatan"},
        rows=PickupSchedule.objects.count,
        first_result=lambda: reverse("staf:dispatch_detail", args=[dispatch.pk]),
    )  # fmt: skip


FORMS = {
    "blank_batch": batch_form,
    "print_run": print_run_form,
    "dispatch": dispatch_form,
    "pickup_days": pickup_days_form,
}


@pytest.fixture(params=sorted(FORMS))
def form(request, staff, sepinggan) -> Form:
    return FORMS[request.param](staff, sepinggan)


def test_the_same_form_submitted_twice_creates_once_and_points_to_the_first_result(
    client, staff, form
):
    client.force_login(staff)
    token = token_on(client.get(form.page))
    data = {**form.data, FIELD: token}

    first = client.post(form.action, data)
    assert first.status_code == 302
    assert form.rows() == 1

    again = client.post(form.action, data)

    assert again.status_code == 302
    assert again["Location"] == form.first_result()
    assert any(ALREADY in str(m) for m in get_messages(again.wsgi_request))
    assert form.rows() == 1
    assert IdempotencyKey.objects.get().key == token


def test_a_fresh_page_carries_a_fresh_token(client, staff, form):
    client.force_login(staff)
    assert token_on(client.get(form.page)) != token_on(client.get(form.page))


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_form_sent_at_the_same_moment_creates_once(staff, form):
    sessions = 4
    clients = [Client() for _ in range(sessions)]
    for c in clients:
        c.force_login(staff)
    data = {**form.data, FIELD: token_on(clients[0].get(form.page))}
    barrier = threading.Barrier(sessions)
    answers, errors = [], []

    def submit(c):
        try:
            barrier.wait(timeout=30)
            answers.append(c.post(form.action, data))
        except Exception as error:  # noqa: BLE001 - reported below, with the others
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert errors == []
    assert [a.status_code for a in answers] == [302] * sessions
    assert form.rows() == 1
    assert {a["Location"] for a in answers} == {form.first_result()}
    told = [a for a in answers if any(ALREADY in str(m) for m in get_messages(a.wsgi_request))]
    assert len(told) == sessions - 1


def test_the_dispatch_confirmation_carries_the_token_on(client, staff, sepinggan):
    form = dispatch_form(staff, sepinggan)
    client.force_login(staff)
    token = token_on(client.get(form.page))
    confirm = client.post(form.action, {FIELD: token})  # the button, before "Ya, kirim"
    assert confirm.status_code == 200
    assert token_on(confirm) == token
    assert form.rows() == 0


def test_a_form_without_a_token_still_works(client, staff, sepinggan):
    form = print_run_form(staff, sepinggan)
    client.force_login(staff)
    assert client.post(form.action, form.data).status_code == 302
    assert form.rows() == 1
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("token", ["x", "<script>alert(1)</script>" * 3, "a" * 65, "../" * 10])
def test_a_token_that_is_not_one_is_refused_with_400(client, staff, sepinggan, token):
    form = print_run_form(staff, sepinggan)
    client.force_login(staff)
    answer = client.post(form.action, {**form.data, FIELD: token})
    assert answer.status_code == 400
    assert "Token formulir ini tidak sah" in answer.content.decode()
    assert form.rows() == 0


def test_a_token_used_on_another_form_is_refused_with_400(client, staff, sepinggan):
    batch = batch_form(staff, sepinggan)
    run = print_run_form(staff, sepinggan)
    client.force_login(staff)
    token = token_on(client.get(batch.page))
    assert client.post(batch.action, {**batch.data, FIELD: token}).status_code == 302

    answer = client.post(run.action, {**run.data, FIELD: token})

    assert answer.status_code == 400
    assert "Token formulir ini tidak sah" in answer.content.decode()
    assert run.rows() == 0


def test_another_accounts_token_is_only_a_token_for_this_one(client, staff, sepinggan):
    # Tokens are per account: another account's never answers with this account's result.
    form = print_run_form(staff, sepinggan)
    other = in_group(UserFactory(username="staf2", is_staff=True), STAFF_GROUP)
    client.force_login(staff)
    token = token_on(client.get(form.page))
    assert client.post(form.action, {**form.data, FIELD: token}).status_code == 302
    client.force_login(other)

    answer = client.post(form.action, {**form.data, FIELD: token})

    assert answer.status_code == 302
    assert PrintRun.objects.filter(created_by=other).count() == 1
    assert form.rows() == 2


def test_a_form_shown_again_after_an_error_keeps_its_token(client, staff, sepinggan):
    form = batch_form(staff, sepinggan)
    client.force_login(staff)
    token = token_on(client.get(form.page))
    refused = client.post(form.action, {**form.data, "quantity": "0", FIELD: token})
    assert refused.status_code == 400
    assert token_on(refused) == token  # nothing was created with it
    assert client.post(form.action, {**form.data, FIELD: token}).status_code == 302
    assert form.rows() == 1
