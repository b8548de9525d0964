"""Security headers and cookies on the public site, the counter and the admin."""

import base64
import hashlib
import re
from pathlib import Path

import django
import pytest
from django.conf import settings

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize("path", ["/", "/cek/?nomor=BPN2017000123", "/loket/masuk/"])
def test_public_and_counter_pages_carry_the_strict_policy_and_headers(db, client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == STRICT_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"


def test_hsts_is_sent_over_https_in_production(db, client):
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_admin_policy_relaxes_only_the_hash_of_djangos_inline_style(db, client):
    response = client.get("/admin/login/")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert policy == STRICT_CSP.replace(
        "style-src 'self'", "style-src 'self' " + " ".join(settings.CSP_ADMIN_STYLE_HASHES)
    )


def test_admin_style_hash_matches_the_installed_django():
    """If a Django upgrade changes the admin's inline <style>, this says so."""
    template = (
        Path(django.__file__).parent / "contrib/admin/templates/admin/change_list.html"
    ).read_text()
    inline = re.findall(r"<style>(.*?)</style>", template, re.S)
    hashes = {
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline
    }
    assert hashes == set(settings.CSP_ADMIN_STYLE_HASHES)


def test_admin_templates_have_no_other_inline_script_or_style():
    admin_templates = Path(django.__file__).parent / "contrib/admin/templates"
    for path in admin_templates.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert 'style="' not in text, path
        if path.name != "change_list.html":
            assert "<style" not in text, path


def test_our_templates_have_no_inline_script_or_style():
    """The strict policy would block them: keep styles in static/css/site.css."""
    for path in TEMPLATES_DIR.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert "<style" not in text, path
        assert "style=" not in text, path
        assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), path


@pytest.mark.parametrize("path", ["/cek/?nomor=BPN2017000123", "/api/v1/receipts/BPN2017000123/"])
def test_lookup_answers_are_never_stored(db, client, path):
    assert client.get(path)["Cache-Control"] == "private, no-store"


def test_home_page_is_not_marked_no_store(db, client):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


def test_cookies_are_secure_httponly_and_samesite_in_production(db, client):
    response = client.get("/loket/masuk/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_session_cookie_is_secure_and_httponly_after_login(db, client, clerk_selatan):
    response = client.post(
        "/loket/masuk/", {"username": "loket.selatan", "password": "sandi-uji-123"}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_api_answers_are_downloads_not_pages(db, client):
    response = client.get("/api/v1/receipts/BPN2017000123/")
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="api.json"'


def test_html_pages_declare_their_charset(db, client):
    assert client.get("/")["Content-Type"] == "text/html; charset=utf-8"


def test_login_issues_a_new_session_key(db, client, clerk_selatan):
    client.get("/loket/masuk/")
    session = client.session
    session["before"] = True
    session.save()
    before = session.session_key
    client.post("/loket/masuk/", {"username": "loket.selatan", "password": "sandi-uji-123"})
    assert client.session.session_key != before


def test_login_without_csrf_token_is_refused(db, clerk_selatan):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/loket/masuk/", {"username": "loket.selatan", "password": "sandi-uji-123"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session
