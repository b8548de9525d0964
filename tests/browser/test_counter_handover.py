"""The counter at 1024x768 with a queue: a self and a proxy pickup by keyboard only.

The keys are counted (artifacts/counter-keys.json) so the figures in the report are measured,
not estimated: a scan counts as one action (the scanner types the number and Enter).
"""

import json
import re

import pytest

from distribution.models import HandOver
from receipts.models import Status

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1024, "height": 768}


@pytest.fixture
def counter_day(transactional_db):
    from django.contrib.auth.models import Group, Permission

    from distribution.roles import CLERK_GROUP, ensure_roles
    from tests.factories import (
        IdDocumentTypeFactory,
        KecamatanFactory,
        KelurahanFactory,
        OfficerFactory,
        ResidentFactory,
        UserFactory,
        in_group,
        ready_card,
    )

    selatan = KecamatanFactory(code="64.71.05", name="Balikpapan Selatan", slug="selatan")
    sepinggan = KelurahanFactory(code="64.71.05.1002", name="Sepinggan", kecamatan=selatan)
    user = UserFactory(username="loket.selatan")  # password "sandi-uji-123"
    OfficerFactory(user=user, kecamatan=selatan)
    ensure_roles(Group, Permission)  # a transactional test starts from empty tables
    in_group(user, CLERK_GROUP)
    IdDocumentTypeFactory(name="KTP-el", order=1)
    IdDocumentTypeFactory(name="SIM", order=2)
    own = ready_card(
        resident=ResidentFactory(full_name="Nabila Eka Pratama", kelurahan=sepinggan),
        number="BPN1708050123",
    )
    proxied = ready_card(
        resident=ResidentFactory(full_name="Siti Aminah", kelurahan=sepinggan),
        number="BPN1708050124",
    )
    return own.receipt, proxied.receipt


class Keyboard:
    """page.keyboard with a tally: named keys one each, typed text one per character."""

    def __init__(self, page):
        self.page, self.keys = page, 0

    def press(self, key):
        self.keys += 1
        self.page.keyboard.press(key)

    def type(self, text):
        self.keys += len(text)
        self.page.keyboard.type(text)

    def scan(self, number):
        # A barcode scanner: the number and Enter, one action for the clerk.
        self.page.keyboard.type(number)
        self.page.keyboard.press("Enter")


def focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName, name: e.name || '', value: e.value || '', text: e.innerText || ''}; }"
    )


def wait_for_focus(page, selector):
    # autofocus is applied at the page's first rendering, a moment after "load".
    page.wait_for_function(f"() => document.activeElement.matches({json.dumps(selector)})")


def in_first_viewport(page, locator):
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1024.png"))


def log_in(page):
    page.goto(page.base + "/loket/masuk/")
    page.get_by_label("Nama pengguna").fill("loket.selatan")
    page.get_by_label("Sandi").fill("sandi-uji-123")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/loket/")


def test_self_and_proxy_pickup_by_keyboard_only_in_one_screen(page, counter_day):
    own, proxied = counter_day
    page.set_viewport_size(VIEWPORT)
    log_in(page)
    keyboard = Keyboard(page)
    tally = {}

    # Self pickup: scan → the card opens with the first identity check focused → Enter.
    assert focused(page)["name"] == "q"
    keyboard.scan(own.number)
    page.wait_for_url(f"**/loket/resi/{own.number}/")
    wait_for_focus(page, "button[value=receipt]")
    first_check = page.get_by_role("button", name="Resi asli dicocokkan")
    assert focused(page) == {
        "tag": "BUTTON",
        "name": "identity_check",
        "value": "receipt",
        "text": "Resi asli dicocokkan",
    }
    assert in_first_viewport(page, first_check)
    shot(page, "counter-card-after")
    keyboard.press("Enter")
    page.wait_for_url("**/loket/")
    wait_for_focus(page, "[name=q]")
    confirmation = page.locator(".messages .msg-success")
    assert "Kartu resi BPN1708050123 diserahkan: Nabila Eka Pratama, pemilik sendiri" in (
        confirmation.inner_text()
    )
    assert in_first_viewport(page, confirmation)
    shot(page, "counter-after-handover")
    tally["self"] = {"keys": keyboard.keys, "clicks": 0, "scans": 1}
    own.refresh_from_db()
    assert own.status == Status.COLLECTED

    # Proxy pickup: scan → Tab to "Diwakilkan…" → Enter → fill the proxy's fields → Enter.
    keyboard.keys = 0
    keyboard.scan(proxied.number)
    page.wait_for_url(f"**/loket/resi/{proxied.number}/")
    wait_for_focus(page, "button[value=receipt]")
    for _ in range(3):
        keyboard.press("Tab")
    assert focused(page)["text"] == "Diwakilkan…"
    keyboard.press("Enter")
    page.wait_for_url("**?wakil=1")
    wait_for_focus(page, "[name=proxy_name]")
    assert focused(page)["name"] == "proxy_name"
    keyboard.type("Budi")
    keyboard.press("Tab")
    keyboard.type("suami")
    keyboard.press("Tab")
    assert focused(page)["name"] == "proxy_authority"
    keyboard.press("ArrowDown")  # "— pilih —" → "Satu Kartu Keluarga (KK)"
    keyboard.press("Tab")
    assert focused(page) | {"text": ""} == {
        "tag": "SELECT",
        "name": "id_document_type",
        "value": str(
            HandOver._meta.get_field("id_document_type").related_model.objects.get(name="KTP-el").pk
        ),
        "text": "",
    }
    keyboard.press("Tab")  # KTP-el is preselected
    keyboard.type("6471050101850003")
    submit = page.get_by_role("button", name="Serahkan kartu kepada wakil")
    assert in_first_viewport(page, submit)
    shot(page, "counter-proxy-after")
    keyboard.press("Enter")
    page.wait_for_url("**/loket/")
    wait_for_focus(page, "[name=q]")
    assert "diwakilkan Budi (suami)" in page.locator(".messages").inner_text()
    tally["proxy"] = {
        "keys": keyboard.keys,
        "clicks": 0,
        "scans": 1,
        "typed_characters": len("Budi") + len("suami") + 16,
    }
    handover = HandOver.objects.get(receipt=proxied)
    assert (handover.proxy_name, handover.proxy_authority, handover.id_document_number) == (
        "Budi",
        "kk",
        "6471050101850003",
    )

    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "counter-keys.json").write_text(json.dumps(tally, indent=2))


def test_search_day_list_and_pickup_day_pages_at_1024(page, counter_day):
    """The other counter and staff pages a real office uses, looked at in a browser."""
    import datetime

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from distribution.models import Officer, PickupSchedule
    from distribution.roles import STAFF_GROUP, SUPERVISOR_GROUP
    from distribution.services import handover_record, handover_undo
    from receipts.models import Kelurahan
    from tests.factories import ResidentFactory, UserFactory, dispatched_cards, ready_card

    own, proxied = counter_day
    sepinggan = Kelurahan.objects.get(name="Sepinggan")
    selatan = sepinggan.kecamatan
    for year, serial in [(1971, "KTP0000000903"), (1985, "KTP0000000901"), (2001, "KTP0000000902")]:
        ready_card(
            resident=ResidentFactory(
                full_name="Adi Wijaya", sex="L", kelurahan=sepinggan,
                birth_date=datetime.date(year, 5, 2),
            ),
            serial=serial,
        )  # fmt: skip
    clerk = Officer.objects.get(user__username="loket.selatan").user
    first = handover_record(
        receipt=own, actor=clerk, collected_by="resident", identity_check="receipt"
    )
    supervisor = UserFactory(username="spv.selatan")
    Officer.objects.create(user=supervisor, kecamatan=selatan, role=Officer.Role.SUPERVISOR)
    supervisor.groups.add(Group.objects.get(name=SUPERVISOR_GROUP))
    handover_undo(handover=first, actor=supervisor, reason="Salah orang")
    handover_record(receipt=proxied, actor=clerk, collected_by="resident", identity_check="face")
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    day = PickupSchedule.objects.create(
        kecamatan=selatan, kelurahan=sepinggan, date=monday, start_time=datetime.time(8),
        end_time=datetime.time(12), place="Aula Kantor Kecamatan Balikpapan Selatan",
    )  # fmt: skip
    staff = UserFactory(username="staf", is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    dispatched_cards(kecamatan=selatan, count=2, sent_by=staff, resident_kelurahan=sepinggan)

    page.set_viewport_size(VIEWPORT)
    log_in(page)
    page.keyboard.type("adi wijaya")
    page.keyboard.press("Enter")
    page.wait_for_url("**/loket/?q=**")
    rows = page.locator(".counter-table tbody tr")
    assert rows.count() == 3
    assert {"02-05-1971", "02-05-1985", "02-05-2001"} <= set(
        page.locator(".counter-table tbody td:nth-child(3)").all_inner_texts()
    )
    shot(page, "counter-search-results")

    page.goto(page.base + "/loket/hari-ini/")
    assert "1 serah terima. (1 dibatalkan, tidak dihitung)" in page.locator("main").inner_text()
    shot(page, "counter-day-list")
    page.goto(page.base + "/loket/hari-ini/?cetak=1")
    assert page.locator("button").count() == 0 and page.locator("nav").count() == 0
    shot(page, "counter-day-list-print")

    page.goto(page.base + "/loket/jadwal/")
    shot(page, "counter-pickup-days")
    page.goto(page.base + f"/loket/jadwal/{day.pk}/")
    serials = page.locator(".sign-off-table tbody td:nth-child(2)").all_inner_texts()
    # Nabila's card is back after the undo, with the three Adi Wijaya cards; Siti's is collected.
    assert serials == sorted(serials) and len(serials) == 4
    shot(page, "pickup-day-list")
    page.emulate_media(media="print")
    assert not page.locator(".no-print").first.is_visible()
    shot(page, "pickup-day-list-print")
    page.pdf(path=str(SCREENSHOTS / "pickup-day-list.pdf"), format="A4")
    page.emulate_media(media="screen")

    # Another person at another desk: a fresh browser session, not the clerk's.
    page.context.clear_cookies()
    page.goto(page.base + "/admin/login/?next=/staf/jadwal/")
    page.locator("#id_username").fill("staf")
    page.locator("#id_password").fill("sandi-uji-123")
    page.keyboard.press("Enter")
    # The path itself, not the login URL whose ?next= ends the same way (that matched at once
    # and read the login page before the POST came back).
    page.wait_for_url(re.compile(r"^https?://[^/]+/staf/jadwal/$"))
    text = page.locator("main").inner_text()
    assert "Sepinggan" in text and "Aula Kantor Kecamatan Balikpapan Selatan" in text
    shot(page, "staff-pickup-days")


def test_receipt_admin_list_fits_1280_px(page, counter_day):
    """The staff's daily list: every column visible at 1280 px, no sideways scrolling."""
    from django.contrib.auth.models import Group

    from distribution.roles import STAFF_GROUP
    from tests.factories import UserFactory

    staff = UserFactory(username="staf", is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(page.base + "/admin/login/?next=/admin/receipts/receipt/")
    page.locator("#id_username").fill("staf")
    page.locator("#id_password").fill("sandi-uji-123")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^https?://[^/]+/admin/receipts/receipt/"))
    page.wait_for_load_state("networkidle")
    page.locator("#result_list").wait_for()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-receipts-1280.png"))
    assert overflow <= 0, f"{overflow}px wider than the window"
    # Nothing hidden inside the list's own scrolling box, nothing under the filter panel.
    clipped = page.evaluate(
        "() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth - r.clientWidth; }"
    )
    assert clipped <= 0, f"{clipped}px of the list hidden"
    last_header = page.locator("#result_list thead th").last.bounding_box()
    filters = page.locator("#changelist-filter").bounding_box()
    assert last_header["x"] + last_header["width"] <= filters["x"]


def test_staff_print_run_preview_fits_a_phone(page, counter_day):
    """The print run's preview at 360 px: its long labels wrap, the page never scrolls sideways
    (the label column was max-content wide: "Resi menunggu sampai batas tanggal" made the page
    490 px wide)."""
    import datetime

    from django.contrib.auth.models import Group

    from distribution.roles import STAFF_GROUP
    from receipts.models import Kelurahan
    from tests.factories import BlankBatchFactory, UserFactory, waiting_receipts

    staff = UserFactory(username="staf", is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    BlankBatchFactory(quantity=500)
    waiting_receipts(
        kelurahan=Kelurahan.objects.get(name="Sepinggan"),
        count=30,
        first_recorded_at=datetime.datetime(2017, 8, 7, 9, 0, tzinfo=datetime.UTC),
    )
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(page.base + "/admin/login/?next=/staf/cetak/baru/")
    page.locator("#id_username").fill("staf")
    page.locator("#id_password").fill("sandi-uji-123")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^https?://[^/]+/staf/cetak/baru/"))
    page.locator("input[name=count]").fill("12")
    page.locator("input[name=count]").press("Enter")
    page.wait_for_url(re.compile(r"/staf/cetak/pratinjau/"))
    assert page.get_by_role("button", name=re.compile("Buat proses cetak")).is_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "staff-run-preview-360.png"), full_page=True)
    assert overflow <= 0, f"{overflow}px wider than the window"
