"""The staff page (/staf/notifikasi/) and the counter's contact page (/loket/kontak/)."""

import pytest
from auditlog.models import LogEntry

from notifications.models import (
    ChannelOptOut,
    ChannelOrder,
    ConsentEvent,
    Message,
    MessageState,
    MessageTemplate,
)
from receipts.models import Resident, Status
from tests.factories import ReceiptFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_message(receipt):
    return Message.objects.create(
        receipt=receipt,
        occasion="ready",
        channel="sms",
        state=MessageState.FAILED,
        attempts=6,
        error="HTTP 500: gateway down (setelah 6 kali)",
    )


def test_staff_see_figures_and_failures_with_the_provider_error(client, staff, failed_message):
    client.force_login(staff)
    response = client.get("/staf/notifikasi/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "HTTP 500: gateway down" in page and "BPN1708010001" in page
    assert "Kirim ulang" in page
    assert "Balikpapan Selatan" in page  # per kecamatan


def test_anonymous_and_clerks_cannot_see_the_staff_page(client, clerk_selatan, db):
    assert client.get("/staf/notifikasi/").status_code == 302
    client.force_login(clerk_selatan)
    assert client.get("/staf/notifikasi/").status_code == 403


def test_staff_resend_a_failed_message(
    client, staff, failed_message, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/staf/notifikasi/{failed_message.pk}/kirim-ulang/")
    assert response.status_code == 302
    failed_message.refresh_from_db()
    assert (failed_message.state, failed_message.attempts) == (MessageState.PENDING, 0)
    assert failed_message.resent_by == staff
    assert len(callbacks) == 1  # a drain is enqueued on commit
    again = client.post(f"/staf/notifikasi/{failed_message.pk}/kirim-ulang/", follow=True)
    assert "Hanya pesan yang gagal" in again.content.decode()


def test_staff_set_the_channel_order(client, staff):
    client.force_login(staff)
    client.post(
        "/staf/notifikasi/urutan/", {"first": "email", "second": "sms", "third": "whatsapp"}
    )
    assert ChannelOrder.objects.get().channels == ["email", "sms", "whatsapp"]
    client.post("/staf/notifikasi/urutan/", {"first": "sms", "second": "sms", "third": "email"})
    assert ChannelOrder.objects.get().channels == ["email", "sms", "whatsapp"]


def test_the_template_editor_previews_counts_sms_and_saves(client, staff):
    client.force_login(staff)
    url = "/staf/notifikasi/templat/ready/sms/id/"
    page = client.get(url).content.decode()
    assert "SIAP DIAMBIL" in page and "karakter" in page and "js/sms-count.js" in page
    body = "Resi {nomor} siap di Kec. {kecamatan}. " + "x" * 140
    preview = client.post(url, {"body": body, "subject": "", "preview": "1"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Resi BPN1708050123 siap di Kec. Balikpapan Selatan." in text
    assert "2 SMS (GSM-7)" in text
    assert not MessageTemplate.objects.exists()  # a preview saves nothing
    client.post(url, {"body": body, "subject": "", "save": "1"})
    row = MessageTemplate.objects.get()
    assert (row.occasion, row.channel, row.language, row.updated_by) == (
        "ready",
        "sms",
        "id",
        staff,
    )


def test_the_template_editor_refuses_unknown_placeholders(client, staff):
    client.force_login(staff)
    response = client.post(
        "/staf/notifikasi/templat/ready/sms/id/", {"body": "Halo {nama} {nik}", "save": "1"}
    )
    assert response.status_code == 400
    assert "Isian tidak dikenal: nama, nik" in response.content.decode()
    assert not MessageTemplate.objects.exists()
    assert client.get("/staf/notifikasi/templat/nope/sms/id/").status_code == 404


def test_a_clerk_corrects_the_phone_and_records_consent_audited(client, clerk_selatan, receipt):
    client.force_login(clerk_selatan)
    url = f"/loket/kontak/{receipt.number}/"
    card = client.get(f"/loket/resi/{receipt.number}/").content.decode()
    assert url in card  # linked from the card page
    response = client.post(
        url, {"phone": "0812-1111-2222", "email": "", "consent": ["sms"], "language": "en"}
    )
    assert response.status_code == 302
    resident = Resident.objects.get(pk=receipt.resident_id)
    assert resident.phone == "0812-1111-2222"
    assert set(ChannelOptOut.objects.values_list("channel", flat=True)) == {"whatsapp", "email"}
    actions = set(ConsentEvent.objects.values_list("action", "channel", "actor"))
    assert ("contact", "", clerk_selatan.pk) in actions
    assert ("consent", "sms", clerk_selatan.pk) in actions
    assert LogEntry.objects.get_for_object(resident).filter(actor=clerk_selatan).exists()
    # The resident's next message goes by SMS, the only channel they agreed to.
    from receipts.services import receipt_transition

    for to in (Status.QUEUED, Status.PRINTED, Status.DISPATCHED, Status.READY):
        receipt_transition(receipt=receipt, to=to, actor=clerk_selatan)
    message = Message.objects.get()
    assert (message.channel, message.language) == ("sms", "en")  # the resident chose English


def test_a_bad_phone_number_is_refused_with_a_message(client, clerk_selatan, receipt):
    client.force_login(clerk_selatan)
    response = client.post(
        f"/loket/kontak/{receipt.number}/", {"phone": "12", "consent": [], "language": "id"}
    )
    assert response.status_code == 400
    assert "Nomor HP tidak sah" in response.content.decode()
    assert ConsentEvent.objects.count() == 0


def test_a_clerk_of_another_kecamatan_gets_404(client, clerk_kota, receipt):
    client.force_login(clerk_kota)
    assert client.get(f"/loket/kontak/{receipt.number}/").status_code == 404


def test_other_receipts_pages_are_untouched(client, clerk_selatan, sepinggan):
    other = ReceiptFactory(resident__kelurahan=sepinggan)
    client.force_login(clerk_selatan)
    assert client.get(f"/loket/kontak/{other.number}/").status_code == 200
