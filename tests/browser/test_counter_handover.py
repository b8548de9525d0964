"""The counter at 1024x768 with a queue: a self and a proxy pickup by keyboard only.

The keys are counted (artifacts/counter-keys.json) so the figures in the report are measured,
not estimated: a scan counts as one action (the scanner types the number and Enter).
"""

import json

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
    from tests.conftest import _in_group
    from tests.factories import (
        IdDocumentTypeFactory,
        KecamatanFactory,
        KelurahanFactory,
        OfficerFactory,
        ResidentFactory,
        UserFactory,
        ready_card,
    )

    selatan = KecamatanFactory(code="64.71.05", name="Balikpapan Selatan", slug="selatan")
    sepinggan = KelurahanFactory(code="64.71.05.1002", name="Sepinggan", kecamatan=selatan)
    user = UserFactory(username="loket.selatan")  # password "sandi-uji-123"
    OfficerFactory(user=user, kecamatan=selatan)
    ensure_roles(Group, Permission)  # a transactional test starts from empty tables
    _in_group(user, CLERK_GROUP)
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
