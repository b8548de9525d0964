"""`/healthz`: for the load balancer and monitoring; plain text, never a traceback."""

import logging
from unittest import mock

from django.db import OperationalError


def test_healthz_says_ok_when_the_database_answers(anonymous, db):
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_healthz_answers_head_requests_of_monitors(anonymous, db):
    assert anonymous.head("/healthz").status_code == 200


def test_healthz_is_503_and_logged_when_the_database_fails(anonymous, db, caplog):
    broken = mock.MagicMock()
    broken.__enter__.return_value.execute.side_effect = OperationalError("connection refused")
    with (
        mock.patch("portal.views.connection.cursor", return_value=broken),
        caplog.at_level(logging.ERROR, logger="portal.views"),
    ):
        response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable"
    assert response["Content-Type"].startswith("text/plain")
    assert "Traceback" not in response.content.decode()
    assert "healthz: the database does not answer" in caplog.text


def test_server_error_page_uses_the_public_layout_without_the_database(rf):
    """No ``db`` fixture: any query here would raise, so the page provably needs no database."""
    from portal.views import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Maaf, terjadi gangguan" in html
    assert 'class="site-header"' in html


def test_server_error_page_falls_back_to_plain_html_if_its_template_fails(rf):
    from unittest import mock

    from portal.views import server_error

    with mock.patch("portal.views.loader.get_template", side_effect=ValueError("manifest")):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Maaf, terjadi gangguan" in response.content.decode()


def test_unknown_page_is_404_in_the_public_layout_with_the_form(anonymous, db):
    response = anonymous.get("/tidak-ada/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html
    assert 'name="nomor"' in html


def test_bad_request_handler_uses_the_public_layout(rf):
    from portal.views import bad_request

    response = bad_request(rf.get("/"))
    assert response.status_code == 400
    assert 'class="site-header"' in response.content.decode()


def test_503_template_renders_in_the_public_layout(rf):
    from django.template.loader import render_to_string

    html = render_to_string("503.html", request=rf.get("/"))
    assert "Layanan sedang tidak tersedia" in html
