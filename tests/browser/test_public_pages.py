"""The public pages in a real browser: lookups, language switch, keyboard only, accessibility."""

import re

import pytest

from receipts.models import Status

from .conftest import axe_violations, build_demo, new_page, screenshot

pytestmark = pytest.mark.browser


# Every test here only reads: the demo data (and the receipts of the last weeks that the
# statistics chart draws) is committed once for the module, and each test runs in ``db``'s
# transaction beside a live server that sees it, instead of a transactional test per page.
@pytest.fixture(scope="module")
def demo(committed):
    def build():
        numbers = build_demo()
        recent_receipts()
        return numbers

    return committed(build)


@pytest.fixture
def page(chromium, site_server, http_cookies, db):
    with new_page(chromium, site_server.url) as page:
        yield page


def look_up(page, number):
    page.goto(page.base + "/")
    page.get_by_label("Nomor resi").fill(number)
    page.get_by_role("button", name="Cek status").click()


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_resident_looks_up_each_status(page, demo, status):
    look_up(page, demo[status])
    heading = page.locator("#status-h")
    assert heading.inner_text() == str(Status(status).label)
    assert demo[status] in page.locator(".who").inner_text()
    screenshot(page, f"result-{status}")


def test_ready_page_shows_office_schedule_and_what_to_bring(page, demo):
    look_up(page, demo["ready"].lower().replace("0", "0 ", 1))
    text = page.locator("main").inner_text()
    assert "Yang perlu dibawa" in text
    assert "Jadwal pengambilan untuk Kelurahan Sepinggan" in text
    assert "alamat/jam sementara" in text
    assert page.locator('[aria-current="step"]').inner_text().startswith("Siap diambil")


def test_switch_to_english_and_back_keeps_the_page(page, demo):
    look_up(page, demo["recorded"])
    url = page.url
    page.get_by_role("button", name="English").click()
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#status-h").inner_text() == "Recorded — waiting for a blank card"
    screenshot(page, "result-recorded-en")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("#status-h").inner_text() == "Sudah rekam — menunggu blanko"


def test_mistyped_number_shows_the_hint_and_the_form_again(page, demo):
    look_up(page, "BPN#1708")
    assert page.locator("h1").inner_text() == "Nomor resi perlu diperiksa"
    assert "tidak dikenali bentuknya" in page.locator("#nomor-error").inner_text()
    assert "BPN-170805-0123" in page.locator("#nomor-hint").inner_text()
    field = page.get_by_label("Nomor resi")
    assert field.input_value() == "BPN#1708"
    assert field.get_attribute("aria-invalid") == "true"
    screenshot(page, "error-400")
    # Never a dead end: correct the number in place and find the receipt.
    field.fill(demo["queued"])
    page.get_by_role("button", name="Cek status").click()
    assert page.locator("#status-h").inner_text() == "Dalam antrean cetak"


def test_unknown_number_says_not_found_and_keeps_the_form(page, demo):
    look_up(page, "BPN-999999-9999")
    assert page.locator("h1").inner_text() == "Nomor resi tidak ditemukan"
    assert page.get_by_label("Nomor resi").input_value() == "BPN9999999999"
    screenshot(page, "error-404")


def test_keyboard_only_lookup(page, demo):
    page.goto(page.base + "/")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "nomor":
            break
    assert page.evaluate("document.activeElement.id") == "nomor"
    page.keyboard.type(demo["ready"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cek/\?nomor="))
    assert page.locator("#status-h").inner_text() == "Siap diambil"
    # The focus ring is visible (an outline is drawn), not suppressed.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(page, demo):
    page.goto(page.base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"


def test_no_horizontal_scroll_at_320px(page, demo):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ["/", f"/cek/?nomor={demo['ready']}", f"/cek/?nomor={demo['recorded']}"]:
        page.goto(page.base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def recent_receipts(count=24):
    """Receipts recorded over the last weeks, so that the weekly chart has bars to draw."""
    import datetime

    from django.utils import timezone

    from receipts.models import Kelurahan
    from tests.factories import ReceiptFactory, ResidentFactory

    sepinggan = Kelurahan.objects.get(name="Sepinggan")
    for i in range(count):
        ReceiptFactory(
            resident=ResidentFactory(kelurahan=sepinggan),
            recorded_at=timezone.now() - datetime.timedelta(days=(i * 5) % 80),
        )


def test_statistik_page(page, demo):
    page.goto(page.base + "/statistik/")
    assert page.locator("h1").inner_text() == "Statistik blanko dan kartu e-KTP"
    assert page.locator("svg.chart").count() == 4
    assert "80.000" in page.locator("table").first.inner_text()
    screenshot(page, "statistik")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("home", "/"),
        ("result-ready", "/cek/?nomor={ready}"),
        ("result-recorded", "/cek/?nomor={recorded}"),
        ("result-on_hold", "/cek/?nomor={on_hold}"),
        ("error-404", "/cek/?nomor=BPN0000000000"),
        ("error-400", "/cek/?nomor=%23%23"),
        ("page-404", "/tidak-ada/"),
        ("statistik", "/statistik/"),
    ],
)
def test_no_serious_or_critical_accessibility_violations(page, demo, name, path):
    page.goto(page.base + path.format(**demo))
    if name == "home":
        screenshot(page, "home")
    assert axe_violations(page, name) == []
