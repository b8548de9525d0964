"""Playwright (Python) driving Debian's headless Chromium against pytest-django's live server.

No browser is downloaded: `.ci/run` installs the `chromium` package and axe-core from npm.
Without them the browser tests are skipped with the reason.
"""

import contextlib
import datetime
import json
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone

from receipts.models import Status

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
AXE_REPORT = Path(django_settings.BASE_DIR) / "artifacts" / "axe"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API keeps an event loop in the test thread; Django would then refuse ORM
# calls made by the tests themselves (creating data), which are not async code at all.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    reason = None
    if not CHROMIUM.exists():
        reason = "needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    elif not AXE.exists():
        reason = "needs axe-core in node_modules (npm ci)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "needs Playwright for Python (pip install -r requirements-dev.txt)"
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def http_cookies(settings):
    """The live server speaks plain HTTP: let the CSRF cookie of the language switch through."""
    settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_SECURE = False


@contextlib.contextmanager
def new_page(chromium, base_url):
    # bypass_csp: axe-core is injected as a script; the site's own CSP must not block the test.
    context = chromium.new_context(
        viewport={"width": 360, "height": 800}, bypass_csp=True, locale="id-ID"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base = base_url
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(chromium, live_server, http_cookies):
    with new_page(chromium, live_server.url) as page:
        yield page


@pytest.fixture
def demo(transactional_db):
    """A kecamatan with its office and pickup days, and one receipt per status in it."""
    return build_demo()


@pytest.fixture(scope="session")
def site_server():
    """A live server like pytest-django's ``live_server``, for modules whose data is committed
    once for the whole module (``live_server`` makes every test transactional: a flush each)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def committed(django_db_setup, django_db_blocker):
    """Run ``build`` committed, for a module of tests that only read (through the browser);
    everything is deleted again at the end of the module."""
    from django.core.management import call_command

    from tests.conftest import _write_migration_rows

    def commit(build):
        with django_db_blocker.unblock():
            return build()

    yield commit
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        _write_migration_rows()


def build_demo():
    from distribution.models import BlankBatch, PickupSchedule
    from distribution.printing_stats import printing_stats_refresh
    from tests.factories import (
        BlankBatchFactory,
        KecamatanFactory,
        KelurahanFactory,
        ReceiptFactory,
        ResidentFactory,
    )

    cache.clear()  # /statistik/ figures are cached for a minute (in Redis under CI)
    KecamatanFactory.reset_sequence()
    selatan = KecamatanFactory(
        code="64.71.05",
        name="Balikpapan Selatan",
        slug="selatan",
        address="Jl. Marsma R. Iswahyudi No. 1 (contoh)",
        counter_hours="1-5 08:00-15:00",
        phone="(0542) 000000",
        contact_is_placeholder=True,
    )
    sepinggan = KelurahanFactory(code="64.71.05.1002", name="Sepinggan", kecamatan=selatan)
    today = timezone.localdate()
    for days, start, end, note in [(2, 8, 12, "Khusus Kelurahan Sepinggan"), (9, 13, 15, "")]:
        PickupSchedule.objects.create(
            kecamatan=selatan,
            kelurahan=sepinggan,
            date=today + datetime.timedelta(days=days),
            start_time=datetime.time(start),
            end_time=datetime.time(end),
            place="Aula Kantor Kecamatan Balikpapan Selatan",
            note=note,
        )
    batch = BlankBatchFactory(quantity=80_000)
    BlankBatch.objects.filter(pk=batch.pk).update(used=60_000, spoiled=120)
    printing_stats_refresh()  # as the print runs that used them would have
    numbers = {}
    for i, status in enumerate(Status):
        resident = ResidentFactory(full_name=f"Siti Wahyuni {'A' * (i + 2)}", kelurahan=sepinggan)
        extra = {"collected_at": timezone.now()} if status == Status.COLLECTED else {}
        receipt = ReceiptFactory(
            resident=resident,
            number=f"BPN17080{i:05d}",
            status=status,
            recorded_at=timezone.make_aware(datetime.datetime(2017, 8, 1 + i, 9, 15)),
            **extra,
        )
        numbers[status.value] = receipt.number
    return numbers


def screenshot(page, name):
    """Save the page at 360 px and 1280 px wide (full height) under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})


def axe_violations(page, name):
    """Run axe-core in the page; save the report; return the serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    AXE_REPORT.mkdir(parents=True, exist_ok=True)
    summary = [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"]}
        for v in result["violations"]
    ]
    (AXE_REPORT / f"{name}.json").write_text(json.dumps(summary, indent=2))
    return [v for v in summary if v["impact"] in ("serious", "critical")]
