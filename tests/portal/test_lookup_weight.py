"""A result page must stay light for slow mobile data: HTML + CSS at most 30 KB gzipped."""

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings

from receipts.models import Status

BUDGET = 30 * 1024
CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_result_page_with_its_css_is_under_30_kb_gzipped(anonymous, receipts_by_status, status):
    html = anonymous.get("/cek/", {"nomor": receipts_by_status[status].number}).content
    transferred = len(gzip.compress(html)) + len(gzip.compress(CSS.read_bytes()))
    assert transferred <= BUDGET


def test_pages_link_one_stylesheet_and_no_script(anonymous, receipts_by_status):
    for path in ["/", f"/cek/?nomor={receipts_by_status['ready'].number}", "/statistik/"]:
        html = anonymous.get(path).content.decode()
        assert len(re.findall(r'<link rel="stylesheet"', html)) == 1
        assert "<script" not in html
        assert "<style" not in html
        assert "style=" not in html
