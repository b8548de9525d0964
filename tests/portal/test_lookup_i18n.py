"""Indonesian by default, English on request; the switch keeps the page the resident is on."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from receipts.models import Status

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Every string of these files is public and must have an English translation.
PUBLIC_SOURCES = (
    "templates/base.html",
    "templates/public_base.html",
    "templates/400.html",
    "templates/404.html",
    "templates/500.html",
    "templates/503.html",
    "templates/portal/",
    "portal/forms.py",
    "portal/views.py",
    "receipts/numbers.py",
)


def test_pages_are_indonesian_by_default(anonymous, receipt):
    html = anonymous.get("/cek/", {"nomor": receipt.number}).content.decode()
    assert '<html lang="id">' in html
    assert "Sudah rekam — menunggu blanko" in html


def test_language_switch_is_a_form_that_keeps_the_current_page(anonymous, receipt):
    html = anonymous.get("/cek/", {"nomor": receipt.number}).content.decode()
    assert '<form class="lang" action="/i18n/setlang/" method="post">' in html
    assert f'name="next" value="/cek/?nomor={receipt.number}"' in html
    assert 'name="language" value="en" lang="en">English</button>' in html


def test_switching_to_english_and_back(anonymous, receipt):
    page = f"/cek/?nomor={receipt.number}"
    response = anonymous.post("/i18n/setlang/", {"language": "en", "next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    html = anonymous.get(page).content.decode()
    assert '<html lang="en">' in html
    assert "Recorded — waiting for a blank card" in html
    assert "Printing estimate" in html
    assert 'value="id" lang="id">Bahasa Indonesia</button>' in html
    anonymous.post("/i18n/setlang/", {"language": "id", "next": page})
    assert "Sudah rekam — menunggu blanko" in anonymous.get(page).content.decode()


def test_dates_follow_the_language(anonymous, receipt):
    # The factory records receipts 300 days ago; compare month names in both languages.
    from django.utils import timezone

    local = timezone.localtime(receipt.recorded_at)
    with translation.override("id"):
        from django.utils.formats import date_format

        indonesian = date_format(local, "j F Y")
    with translation.override("en"):
        english = date_format(local, "j F Y")
    assert indonesian in anonymous.get(receipt.get_absolute_url()).content.decode()
    html = anonymous.get(receipt.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in html
    assert f"{english}, {local:%H:%M} WITA" in html  # 14:30 in English, 14.30 in Indonesian


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_every_status_label_has_an_english_translation(status):
    with translation.override("id"):
        indonesian = str(Status(status).label)
    with translation.override("en"):
        assert str(Status(status).label) not in ("", indonesian)


def _entries():
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        locations = " ".join(line[3:] for line in block.splitlines() if line.startswith("#: "))
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if msgid and locations:
            yield (
                locations,
                "".join(re.findall(r'"(.*)"', msgid.group(1))),
                ["".join(re.findall(r'"(.*)"', s)) for s in strs],
            )


def test_every_public_string_is_translated_to_english():
    untranslated = [
        msgid
        for locations, msgid, msgstrs in _entries()
        if any(src in locations for src in PUBLIC_SOURCES) and not all(msgstrs)
    ]
    assert untranslated == []


def test_compiled_catalogue_is_committed_next_to_the_source():
    mo = PO.with_suffix(".mo")
    assert mo.exists()
    assert mo.stat().st_size > 1000
