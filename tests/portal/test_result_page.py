"""The result page filled from pre-rendered skeletons (portal/result_page.py) is result.html
rendered in full, byte for byte: every situation, both languages, with and without the head
office and pickup days, names and places that need escaping, a kept page and a write after it.
And a cold lookup renders through the lean path: no template for a page whose parts are kept.
"""

import pytest
from django.core.cache import caches
from django.test.signals import template_rendered
from django.urls import reverse

from distribution.models import PickupSchedule
from portal import result_page
from portal.guidance import Situation
from receipts.models import Kecamatan, Status
from receipts.services import receipt_transition
from tests.factories import KecamatanFactory, KelurahanFactory

from .conftest import make_receipt
from .test_guidance import ROWS, build


@pytest.fixture
def quiet_kelurahan(db):
    """A kelurahan whose kecamatan has published no pickup day (as in test_guidance)."""
    return KelurahanFactory(kecamatan=KecamatanFactory(name="Balikpapan Timur", slug="timur"))


def page(client, number, language="id", **extra):
    response = client.get(
        reverse("receipts:lookup"), {"nomor": number}, HTTP_ACCEPT_LANGUAGE=language, **extra
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The CSRF token of the language switch is new in every response: compare the rest.
    before, rest = html.split('name="csrfmiddlewaretoken" value="', 1)
    return before + rest.split('"', 1)[1]


def both(client, settings, number, language="id"):
    settings.LOOKUP_PRERENDERED = True
    lean = page(client, number, language)
    settings.LOOKUP_PRERENDERED = False
    full = page(client, number, language)
    settings.LOOKUP_PRERENDERED = True
    return lean, full


@pytest.fixture(autouse=True)
def _cache_off(settings):
    settings.LOOKUP_CACHE_SECONDS = 0


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", ROWS)
def test_every_situation_is_the_full_page_byte_for_byte(
    anonymous, settings, sepinggan, schedule, quiet_kelurahan, head_office, name, language
):
    receipt = build(name, sepinggan=sepinggan, quiet=quiet_kelurahan)
    lean, full = both(anonymous, settings, receipt.number, language)
    assert lean == full
    assert receipt.number in lean


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_without_a_head_office_or_pickup_days_too(anonymous, settings, receipts_by_status, status):
    PickupSchedule.objects.all().delete()
    lean, full = both(anonymous, settings, receipts_by_status[status].number)
    assert lean == full


def test_what_needs_escaping_is_escaped_as_the_template_does(
    anonymous, settings, sepinggan, schedule
):
    Kecamatan.objects.filter(pk=sepinggan.kecamatan_id).update(
        address='Jl. "A" <b>&</b> 1', phone="<0542>"
    )
    schedule.place = "<script>alert(1)</script> & co"
    schedule.note = 'Bawa "KK" <asli>'
    schedule.save()
    receipt = make_receipt(
        Status.READY, kelurahan=sepinggan, number="BPN1707010077", name='<Ani> & "O\'Brien"'
    )
    for language in ("id", "en"):
        lean, full = both(anonymous, settings, receipt.number, language)
        assert lean == full
        assert "<script>alert" not in lean
        assert "&lt;script&gt;" in lean


def test_the_timeline_with_a_misprint_and_every_step(anonymous, settings, sepinggan):
    receipt = build(Situation.REPRINT, sepinggan=sepinggan, quiet=None)
    for to in (Status.QUEUED, Status.PRINTED, Status.DISPATCHED, Status.READY):
        receipt_transition(receipt=receipt, to=to, actor=None)
    for language in ("id", "en"):
        lean, full = both(anonymous, settings, receipt.number, language)
        assert lean == full
        assert lean.count("<time datetime=") == 8  # 3 events, the misprint, 4 more


def test_a_kept_page_and_the_page_after_a_write_are_the_full_page(
    anonymous, settings, receipts_by_status, schedule
):
    settings.LOOKUP_CACHE_SECONDS = 600
    caches["lookup"].clear()
    receipt = receipts_by_status[Status.DISPATCHED]
    first = page(anonymous, receipt.number)
    assert page(anonymous, receipt.number) == first  # kept
    schedule.place = "Loket 3"  # a pickup day edited: the part is keyed by what it shows
    schedule.save()
    after = page(anonymous, receipt.number)
    assert "Loket 3" in after
    settings.LOOKUP_CACHE_SECONDS = 0
    settings.LOOKUP_PRERENDERED = False
    assert page(anonymous, receipt.number) == after
    caches["lookup"].clear()


def test_a_cold_lookup_renders_no_template_once_its_parts_are_kept(
    anonymous, settings, sepinggan, schedule
):
    settings.LOOKUP_PRERENDERED = True
    one = make_receipt(Status.READY, kelurahan=sepinggan, number="BPN1707010001")
    two = make_receipt(Status.READY, kelurahan=sepinggan, number="BPN1707010002", day=3)
    page(anonymous, one.number)  # the skeleton, the office and the pickup days, once
    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        html = page(anonymous, two.number)
    finally:
        template_rendered.disconnect(record)
    assert rendered == []
    assert two.number in html and "Loket 2" in html


def test_result_page_steps_are_the_step_indicator():
    assert [s["state"] for s in result_page.steps(Status.DISPATCHED)] == [
        "done",
        "done",
        "current",
        "todo",
        "todo",
    ]
    assert result_page.steps(Status.ON_HOLD) == []
