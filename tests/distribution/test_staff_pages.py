"""Staff pages: a member of staff creates a run, prints it, dispatches it, confirms arrival."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from distribution.models import BlankBatch, Card, Dispatch, DispatchItem, PickupSchedule, PrintRun
from distribution.services import dispatch_create, print_run_create, print_run_mark_printed
from receipts.models import Receipt, ReceiptEvent, Status
from tests.factories import BlankBatchFactory, ReceiptFactory, UserFactory, waiting_receipts

WITA = timezone.get_default_timezone()
CUTOFF = datetime.date(2017, 8, 5)


@pytest.fixture
def waiting(sepinggan, prapatan):
    start = datetime.datetime(2017, 8, 1, tzinfo=WITA)
    return waiting_receipts(
        kelurahan=sepinggan, count=4, first_recorded_at=start, prefix="S"
    ) + waiting_receipts(kelurahan=prapatan, count=2, first_recorded_at=start, prefix="K")


@pytest.fixture
def batch(db):
    return BlankBatchFactory(reference="470/1/DUKCAPIL", quantity=50)


@pytest.fixture
def run(waiting, batch, staff):
    return print_run_create(kecamatan=None, count=6, cutoff_date=CUTOFF, actor=staff)


@pytest.fixture
def dispatch(run, staff, selatan):
    print_run_mark_printed(print_run=run, actor=staff)
    return next(d for d in dispatch_create(print_run=run, actor=staff) if d.kecamatan == selatan)


def staff_pages(run, dispatch):
    return [
        reverse("staf:dashboard"),
        reverse("staf:run_new"),
        reverse("staf:run_detail", args=[run.pk]),
        reverse("staf:dispatch_detail", args=[dispatch.pk]),
    ]


def test_anonymous_visitor_is_sent_to_the_admin_login(anonymous, run, dispatch):
    for url in staff_pages(run, dispatch):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_anonymous_post_changes_nothing(anonymous, run):
    response = anonymous.post(reverse("staf:run_mark_printed", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == PrintRun.State.ALLOCATED


def test_counter_clerk_cannot_use_staff_pages(client, clerk_selatan, run, dispatch):
    client.force_login(clerk_selatan)
    for url in staff_pages(run, dispatch):
        assert client.get(url).status_code == 403
    response = client.post(reverse("staf:dispatch_receive", args=[dispatch.pk]))
    assert response.status_code == 403
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.SENT


def test_staff_account_without_permission_is_refused(client, run, dispatch):
    client.force_login(UserFactory(username="magang", is_staff=True))
    assert client.get(reverse("staf:dashboard")).status_code == 403


def test_staff_sees_every_page(staff_client, run, dispatch):
    for url in staff_pages(run, dispatch):
        assert staff_client.get(url).status_code == 200


def test_dashboard_shows_stock_statuses_and_stale_receipts(staff_client, run, batch):
    stale = Receipt.objects.filter(pk=run.cards.first().receipt_id)
    print_run_mark_printed(print_run=run, actor=None)
    stale.update(status_changed_at=timezone.now() - datetime.timedelta(days=90))

    response = staff_client.get(reverse("staf:dashboard"))

    body = response.content.decode()
    assert "470/1/DUKCAPIL" in body
    stock = response.context["stock"]
    assert stock["total"] == {"received": 50, "used": 6, "spoiled": 0, "left": 44}
    assert dict((c, n) for c, _l, n in response.context["status_counts"])["printed"] == 6
    assert response.context["stale_count"] == 1


def test_dashboard_queries_do_not_grow_with_runs(
    staff_client, waiting, batch, staff, django_assert_num_queries
):
    for _ in range(3):
        print_run_create(kecamatan=None, count=1, cutoff_date=CUTOFF, actor=staff)
    with django_assert_num_queries(10):
        assert staff_client.get(reverse("staf:dashboard")).status_code == 200


def test_new_run_form_defaults_cutoff_to_today(staff_client):
    response = staff_client.get(reverse("staf:run_new"))
    assert response.context["form"]["cutoff_date"].value() == timezone.localdate()


def test_date_boxes_are_filled_in_for_an_indonesian_browser(staff_client, dispatch):
    # A date box only shows an ISO value; in Indonesian format it would stay empty and the
    # preview would answer "Bidang ini tidak boleh kosong".
    staff_client.cookies["django_language"] = "id"
    today = timezone.localdate().isoformat()
    run_form = staff_client.get(reverse("staf:run_new"), HTTP_ACCEPT_LANGUAGE="id")
    assert f'name="cutoff_date" value="{today}"' in run_form.text
    dashboard = staff_client.get(reverse("staf:dashboard"), HTTP_ACCEPT_LANGUAGE="id")
    assert f'name="received_on" value="{today}"' in dashboard.text


def test_preview_warns_when_fewer_receipts_than_asked_and_writes_nothing(
    staff_client, waiting, batch
):
    response = staff_client.get(
        reverse("staf:run_preview"), {"kecamatan": "", "count": "10", "cutoff_date": "2017-08-05"}
    )
    assert response.status_code == 200
    assert response.context["preview"].will_take == 6
    assert "Resi yang menunggu lebih sedikit" in response.content.decode()
    assert not PrintRun.objects.exists()


@pytest.mark.parametrize(
    ("count", "cutoff", "message"),
    [
        ("0", "2017-08-05", "Jumlah kartu harus lebih dari nol"),
        ("abc", "2017-08-05", "Masukkan"),
        ("5", "2999-01-01", "tidak boleh melewati hari ini"),
        ("5", "bukan-tanggal", "Masukkan"),
    ],
)
def test_bad_run_request_gets_a_form_error_not_a_500(
    staff_client, waiting, batch, count, cutoff, message
):
    data = {"kecamatan": "", "count": count, "cutoff_date": cutoff}
    preview = staff_client.get(reverse("staf:run_preview"), data)
    created = staff_client.post(reverse("staf:run_create"), data)
    for response in (preview, created):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not PrintRun.objects.exists()


def test_run_without_stock_is_refused_with_a_message(staff_client, waiting):
    response = staff_client.post(
        reverse("staf:run_create"), {"kecamatan": "", "count": "5", "cutoff_date": "2017-08-05"}
    )
    assert response.status_code == 409
    assert "Stok blanko habis" in response.content.decode()
    assert set(Receipt.objects.values_list("status", flat=True)) == {Status.RECORDED}


def test_staff_walks_a_run_from_preview_to_arrival(staff_client, staff, waiting, batch, selatan):
    data = {"kecamatan": "", "count": "6", "cutoff_date": "2017-08-05"}
    assert staff_client.get(reverse("staf:run_preview"), data).status_code == 200

    response = staff_client.post(reverse("staf:run_create"), data)
    run = PrintRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "staf:run_detail", args=[run.pk]
    )
    page = staff_client.get(response["Location"])
    assert [c.receipt.number for c in page.context["page"]] == [
        "K0000000",
        "S0000000",
        "K0000001",
        "S0000001",
        "S0000002",
        "S0000003",
    ]

    response = staff_client.post(
        reverse("staf:run_mark_printed", args=[run.pk]), {"konfirmasi": "1"}, follow=True
    )
    assert "6 kartu ditandai tercetak" in response.content.decode()

    staff_client.post(reverse("staf:run_dispatch", args=[run.pk]), {"konfirmasi": "1"})
    dispatch = Dispatch.objects.get(kecamatan=selatan)
    missing = dispatch.items.order_by("pk").first().card

    response = staff_client.post(
        reverse("staf:dispatch_receive", args=[dispatch.pk]),
        {"missing": [missing.pk], "note": "satu kartu tertinggal", "konfirmasi": "1"},
        follow=True,
    )

    assert "3 kartu sampai, 1 tidak ada" in response.content.decode()
    missing.receipt.refresh_from_db()
    assert missing.receipt.status == Status.DISPATCHED
    assert DispatchItem.objects.get(card=missing).note == "satu kartu tertinggal"
    ready = Receipt.objects.filter(status=Status.READY, collection_kecamatan=selatan)
    assert ready.count() == 3
    for receipt in ready:
        assert list(receipt.events.values_list("to_status", flat=True)) == [
            Status.RECORDED,
            Status.QUEUED,
            Status.PRINTED,
            Status.DISPATCHED,
            Status.READY,
        ]
    assert ReceiptEvent.objects.filter(actor=staff, to_status=Status.READY).count() == 3


def test_misprinted_button_requeues_the_receipt(staff_client, run, batch):
    card = run.cards.get(position=2)

    response = staff_client.post(
        reverse("staf:card_spoil", args=[card.pk]), {"konfirmasi": "1"}, follow=True
    )

    assert "kembali ke depan antrean" in response.content.decode()
    card.refresh_from_db()
    batch.refresh_from_db()
    assert card.outcome == Card.Outcome.SPOILED and batch.spoiled == 1
    assert Receipt.objects.get(pk=card.receipt_id).status == Status.RECORDED


def test_publishing_pickup_days_for_a_dispatch(staff_client, dispatch, sepinggan):
    start = timezone.localdate() + datetime.timedelta(days=1)
    response = staff_client.post(
        reverse("staf:dispatch_schedule", args=[dispatch.pk]),
        {
            "start_date": start.isoformat(),
            "start_time": "08:00",
            "end_time": "12:00",
            "place": "Aula",
        },
    )
    assert response.status_code == 302
    schedule = PickupSchedule.objects.get()
    assert schedule.kelurahan == sepinggan and schedule.kecamatan == dispatch.kecamatan
    assert schedule.date.weekday() != 6


def test_pickup_days_with_end_before_start_are_refused(staff_client, dispatch):
    response = staff_client.post(
        reverse("staf:dispatch_schedule", args=[dispatch.pk]),
        {"start_date": "2030-01-07", "start_time": "12:00", "end_time": "08:00"},
    )
    assert response.status_code == 400
    assert not PickupSchedule.objects.exists()


@pytest.mark.parametrize("start", ["9999-12-31", "2099-01-05"])
def test_pickup_days_years_ahead_are_refused(staff_client, dispatch, start):
    response = staff_client.post(
        reverse("staf:dispatch_schedule", args=[dispatch.pk]),
        {"start_date": start, "start_time": "08:00", "end_time": "12:00"},
    )
    assert response.status_code == 400
    assert "paling lambat satu tahun" in response.content.decode()
    assert not PickupSchedule.objects.exists()


def test_recording_a_blank_batch_from_the_dashboard(staff_client):
    response = staff_client.post(
        reverse("staf:batch_create"),
        {"reference": "470/77/DUKCAPIL", "quantity": "80000", "received_on": "2018-01-15"},
    )
    assert response.status_code == 302
    assert BlankBatch.objects.get().quantity == 80000
    bad = staff_client.post(reverse("staf:batch_create"), {"reference": "x", "quantity": "-1"})
    assert bad.status_code == 400


def test_every_write_needs_a_csrf_token(staff, run, dispatch):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    card = run.cards.filter(outcome=Card.Outcome.PRINTED).first()
    posts = [
        reverse("staf:batch_create"),
        reverse("staf:run_create"),
        reverse("staf:run_mark_printed", args=[run.pk]),
        reverse("staf:run_dispatch", args=[run.pk]),
        reverse("staf:card_spoil", args=[card.pk]),
        reverse("staf:dispatch_receive", args=[dispatch.pk]),
        reverse("staf:dispatch_schedule", args=[dispatch.pk]),
    ]
    for url in posts:
        assert client.post(url, {}).status_code == 403, url
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.SENT


def test_writes_refuse_get(staff_client, run):
    assert staff_client.get(reverse("staf:run_mark_printed", args=[run.pk])).status_code == 405


def test_run_page_queries_do_not_grow_with_cards(staff_client, run, django_assert_num_queries):
    with django_assert_num_queries(9):
        assert staff_client.get(reverse("staf:run_detail", args=[run.pk])).status_code == 200


def test_send_button_counts_unsent_cards_and_goes_away_once_all_are_sent(staff_client, run, staff):
    print_run_mark_printed(print_run=run, actor=staff)
    page = staff_client.get(reverse("staf:run_detail", args=[run.pk])).content.decode()
    assert "Kirim kartu tercetak ke kecamatan (6 kartu)" in page

    dispatch_create(print_run=run, actor=staff)

    page = staff_client.get(reverse("staf:run_detail", args=[run.pk])).content.decode()
    assert "Kirim kartu tercetak ke kecamatan" not in page
    assert reverse("staf:run_dispatch", args=[run.pk]) not in page


def test_staff_can_reach_staff_pages_import_and_exports_by_links(staff_client, run):
    admin_index = staff_client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("staf:dashboard")}"' in admin_index
    assert f'href="{reverse("receipts_import")}"' in admin_index

    dashboard = staff_client.get(reverse("staf:dashboard")).content.decode()
    assert f'href="{reverse("receipts_import")}"' in dashboard
    assert f'href="{reverse("ekspor:receipts")}?status=ready"' in dashboard

    run_page = staff_client.get(reverse("staf:run_detail", args=[run.pk])).content.decode()
    assert f'href="{reverse("ekspor:print_list", args=[run.pk])}"' in run_page


def test_logging_out_from_a_staff_page_returns_to_the_admin_login(staff_client):
    page = staff_client.get(reverse("staf:dashboard")).content.decode()
    assert f'name="next" value="{reverse("admin:login")}"' in page

    response = staff_client.post(reverse("loket:logout"), {"next": reverse("admin:login")})

    assert response.status_code == 302 and response["Location"] == reverse("admin:login")
    assert staff_client.get(reverse("staf:dashboard")).status_code == 302


# --- what cannot be undone is confirmed first (POST → confirm page → POST) ------------------


def test_mark_printed_asks_first_and_acts_on_the_confirmation(staff_client, run):
    url = reverse("staf:run_mark_printed", args=[run.pk])
    first = staff_client.post(url)
    page = first.content.decode()
    assert first.status_code == 200
    assert "Tandai proses cetak" in page and "6 kartu akan ditandai tercetak" in page
    assert 'name="konfirmasi" value="1"' in page and f'action="{url}"' in page
    run.refresh_from_db()
    assert run.state == PrintRun.State.ALLOCATED
    staff_client.post(url, {"konfirmasi": "1"})
    run.refresh_from_db()
    assert run.state == PrintRun.State.PRINTED


def test_misprint_asks_first_with_a_note_field(staff_client, run, batch):
    card = run.cards.get(position=2)
    url = reverse("staf:card_spoil", args=[card.pk])
    page = staff_client.post(url).content.decode()
    assert f"Catat kartu {card.serial} salah cetak?" in page and 'name="note"' in page
    card.refresh_from_db()
    batch.refresh_from_db()
    assert card.outcome != Card.Outcome.SPOILED and batch.spoiled == 0
    staff_client.post(url, {"konfirmasi": "1", "note": "tinta luntur"})
    card.refresh_from_db()
    assert card.outcome == Card.Outcome.SPOILED


def test_dispatch_asks_first_and_lists_the_kecamatan(staff_client, run, staff):
    print_run_mark_printed(print_run=run, actor=staff)
    url = reverse("staf:run_dispatch", args=[run.pk])
    page = staff_client.post(url).content.decode()
    assert "Balikpapan Selatan: 4 kartu" in page and "Balikpapan Kota: 2 kartu" in page
    assert not Dispatch.objects.exists()
    staff_client.post(url, {"konfirmasi": "1"})
    assert Dispatch.objects.count() == 2


def test_arrival_confirmation_carries_the_ticked_cards(staff_client, dispatch):
    missing = dispatch.items.order_by("pk").first().card
    url = reverse("staf:dispatch_receive", args=[dispatch.pk])
    page = staff_client.post(url, {"missing": [missing.pk], "note": "tertinggal"}).content.decode()
    assert "3 kartu menjadi" in page and "1 kartu dicatat tidak ada" in page
    assert f'name="missing" value="{missing.pk}"' in page and 'value="tertinggal"' in page
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.SENT
    staff_client.post(url, {"missing": [missing.pk], "note": "tertinggal", "konfirmasi": "1"})
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.RECEIVED
    missing.receipt.refresh_from_db()
    assert missing.receipt.status == Status.DISPATCHED


@time_machine.travel(datetime.datetime(2018, 2, 8, 14, 0, tzinfo=WITA), tick=False)
def test_stale_count_and_the_list_it_links_to_agree_at_the_boundary(staff_client, settings):
    settings.STALE_AFTER_DAYS = 60
    now = timezone.now()
    ages = {
        "exactly": datetime.timedelta(days=60),
        "a_second_short": datetime.timedelta(days=60) - datetime.timedelta(seconds=1),
        "older": datetime.timedelta(days=61),
    }
    receipts = {}
    for name, age in ages.items():
        receipt = ReceiptFactory(status=Status.DISPATCHED)
        Receipt.objects.filter(pk=receipt.pk).update(status_changed_at=now - age)
        receipts[name] = receipt

    dashboard = staff_client.get(reverse("staf:dashboard"))
    listed = staff_client.get(dashboard.context["stale_url"])

    stale = {receipts["exactly"], receipts["older"]}
    assert dashboard.context["stale_count"] == len(stale) == 2
    assert set(listed.context["cl"].result_list) == stale
    # The flag on each row says the same as the filter.
    admin = listed.context["cl"].model_admin
    assert {r for r in Receipt.objects.all() if admin.stale(r)} == stale
