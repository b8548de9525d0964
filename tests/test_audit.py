"""The audit trail: who changed what, when, before and after — readable by staff only."""

from auditlog.models import LogEntry
from django.contrib.auth.models import Group

from receipts.models import Kecamatan


def test_admin_edit_is_audited_with_actor_before_and_after(client, superuser, selatan):
    client.force_login(superuser)
    url = f"/admin/receipts/kecamatan/{selatan.pk}/change/"
    response = client.post(
        url,
        {
            "code": selatan.code,
            "name": selatan.name,
            "slug": selatan.slug,
            "address": "Jl. Baru No. 9",
            "counter_hours": selatan.counter_hours,
            "phone": "",
            # The kelurahan inline's management form (no kelurahan rows in this test).
            "kelurahan-TOTAL_FORMS": "0",
            "kelurahan-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    entry = LogEntry.objects.get_for_object(selatan).latest("timestamp")
    assert entry.actor == superuser
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes["address"] == [
        "Jl. Marsma R. Iswahyudi No. 1 (contoh)",
        "Jl. Baru No. 9",
    ]


def test_change_outside_a_request_is_audited_without_actor(selatan):
    Kecamatan.objects.get(pk=selatan.pk)
    selatan.phone = "0542-000"
    selatan.save()
    entry = LogEntry.objects.get_for_object(selatan).latest("timestamp")
    assert entry.actor is None
    assert entry.changes["phone"] == ["", "0542-000"]


def test_staff_can_read_but_not_change_the_audit_trail(client, staff, selatan):
    assert (
        Group.objects.get(name="Staf Disdukcapil")
        .permissions.filter(codename="view_logentry")
        .exists()
    )
    client.force_login(staff)
    response = client.get("/admin/auditlog/logentry/", {"q": "Selatan"})
    assert response.status_code == 200
    entry = LogEntry.objects.get_for_object(selatan).first()
    assert client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/").status_code == 403


def test_clerk_cannot_read_the_audit_trail(client, clerk_selatan):
    client.force_login(clerk_selatan)
    response = client.get("/admin/auditlog/logentry/")
    assert response.status_code == 302  # not staff: sent to the admin login


def test_hand_over_at_the_counter_is_audited_with_the_clerk(client, clerk_selatan, card_selatan):
    from django.urls import reverse

    from distribution.models import HandOver

    client.force_login(clerk_selatan)
    response = client.post(
        reverse("loket:receipt", args=[card_selatan.receipt.number]),
        {"collected_by": "resident", "identity_check": "fingerprint"},
    )
    assert response.status_code == 302
    handover = HandOver.objects.get(card=card_selatan)
    entry = LogEntry.objects.get_for_object(handover).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == clerk_selatan
    receipt_entry = LogEntry.objects.get_for_object(card_selatan.receipt).latest("timestamp")
    assert receipt_entry.actor == clerk_selatan
    assert receipt_entry.changes["status"] == ["ready", "collected"]


# --- staff pages, the counter's arrivals, and searching the trail (second hardening round) ---


def _waiting_queue(sepinggan):
    import datetime

    from django.utils import timezone

    from tests.factories import BlankBatchFactory, waiting_receipts

    start = datetime.datetime(2017, 8, 1, tzinfo=timezone.get_default_timezone())
    waiting_receipts(kelurahan=sepinggan, count=3, first_recorded_at=start, prefix="A")
    BlankBatchFactory(quantity=10)


def test_print_run_from_the_staff_page_is_audited_with_its_creator(client, staff, sepinggan):
    from django.urls import reverse

    from distribution.models import PrintRun

    _waiting_queue(sepinggan)
    client.force_login(staff)
    response = client.post(
        reverse("staf:run_create"), {"count": "3", "cutoff_date": "2017-08-05", "kecamatan": ""}
    )
    assert response.status_code == 302
    run = PrintRun.objects.get()
    entry = LogEntry.objects.get_for_object(run).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == staff
    assert entry.changes["requested"] == [None, 3]


def test_misprint_is_audited_on_the_card(client, staff, sepinggan):
    from django.urls import reverse

    from distribution.models import Card
    from distribution.services import print_run_create

    _waiting_queue(sepinggan)
    import datetime

    run = print_run_create(
        kecamatan=None, count=1, cutoff_date=datetime.date(2017, 8, 5), actor=staff
    )
    card = run.cards.get()
    assert not LogEntry.objects.get_for_object(card).exists()  # bulk-created: not logged
    client.force_login(staff)
    response = client.post(
        reverse("staf:card_spoil", args=[card.pk]), {"note": "tinta luntur", "konfirmasi": "1"}
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(card).get()
    assert entry.actor == staff
    assert entry.changes["outcome"] == [Card.Outcome.QUEUED, Card.Outcome.SPOILED]


def test_published_pickup_days_are_audited_with_the_publisher(client, staff, selatan):
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from distribution.models import PickupSchedule
    from tests.factories import dispatched_cards

    dispatch, _cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    client.force_login(staff)
    start = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        reverse("staf:dispatch_schedule", args=[dispatch.pk]),
        {
            "start_date": start.isoformat(),
            "start_time": "08:00",
            "end_time": "12:00",
            "place": "Aula Kecamatan",
        },
    )
    assert response.status_code == 302
    schedules = list(PickupSchedule.objects.all())
    assert schedules
    for schedule in schedules:
        entry = LogEntry.objects.get_for_object(schedule).get()
        assert entry.action == LogEntry.Action.CREATE
        assert entry.actor == staff


def test_arrival_confirmed_at_the_counter_is_audited_with_the_clerk(
    client, staff, clerk_selatan, selatan
):
    from django.urls import reverse

    from tests.factories import dispatched_cards

    dispatch, _cards = dispatched_cards(kecamatan=selatan, count=2, sent_by=staff)
    client.force_login(clerk_selatan)
    response = client.post(
        reverse("loket:arrival", args=[dispatch.pk]), {"note": "", "konfirmasi": "1"}
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(dispatch).latest("timestamp")
    assert entry.actor == clerk_selatan
    assert entry.changes["state"] == ["sent", "received"]


def test_staff_find_audit_entries_by_receipt_number_and_by_username(
    client, staff, superuser, clerk_selatan, card_selatan
):
    from django.urls import reverse

    number = card_selatan.receipt.number
    client.force_login(clerk_selatan)
    client.post(
        reverse("loket:receipt", args=[number]),
        {"collected_by": "resident", "identity_check": "fingerprint"},
    )
    client.force_login(staff)
    by_number = client.get("/admin/auditlog/logentry/", {"q": number})
    assert by_number.status_code == 200
    found = list(by_number.context["cl"].result_list)
    assert found and all(number in e.object_repr or number in str(e.changes) for e in found)
    assert any(e.actor == clerk_selatan for e in found)

    by_user = client.get("/admin/auditlog/logentry/", {"q": clerk_selatan.username})
    assert by_user.status_code == 200
    found = list(by_user.context["cl"].result_list)
    # What the clerk did, and the entries about the clerk's own account (made by a fixture).
    assert any(e.actor == clerk_selatan for e in found)
    assert all(e.actor == clerk_selatan or clerk_selatan.username in e.object_repr for e in found)
