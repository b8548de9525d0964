"""The public lookup's GET skips session, auth, messages and audit middleware (disdukcapil/lean.py)
and keeps everything that protects it: the headers, CSRF on the language switch, the rate limit.
Every other request still runs all of them."""

import pytest
from django.test import Client
from django.urls import reverse

from disdukcapil import lean
from tests.portal.conftest import make_receipt

LEAN_VIEWS = ["receipts:lookup", "receipts:api_receipt"]


@pytest.fixture
def receipt(sepinggan):
    return make_receipt("ready", kelurahan=sepinggan, number="BPN1707010001")


@pytest.fixture
def seen(monkeypatch):
    """The requests each of the four lean middleware ran its own code for."""
    calls = {name: [] for name in ("session", "auth", "messages", "audit")}
    for name, cls in [
        ("session", lean._SessionMiddleware),
        ("auth", lean._AuthenticationMiddleware),
        ("messages", lean._MessageMiddleware),
        ("audit", lean._AuditlogMiddleware),
    ]:
        original = cls.__call__

        def spy(self, request, _original=original, _name=name):
            calls[_name].append(request.path_info)
            return _original(self, request)

        monkeypatch.setattr(cls, "__call__", spy)
    return calls


def test_the_lookup_and_the_api_skip_the_four(anonymous, receipt, seen):
    assert anonymous.get("/cek/", {"nomor": receipt.number}).status_code == 200
    assert anonymous.get(f"/api/v1/receipts/{receipt.number}/").status_code == 200
    assert anonymous.head(f"/api/v1/receipts/{receipt.number}/").status_code == 200
    assert anonymous.get("/cek/", {"nomor": "BPN0000000000"}).status_code == 404
    assert anonymous.get("/cek/", {"nomor": "!"}).status_code == 400
    assert seen == {"session": [], "auth": [], "messages": [], "audit": []}


@pytest.mark.parametrize("path", ["/", "/statistik/", "/bantuan/", "/loket/masuk/"])
def test_every_other_page_runs_them(anonymous, db, seen, path):
    anonymous.get(path)
    assert all(calls == [path] for calls in seen.values()), seen


def test_a_post_to_a_lean_path_runs_them(anonymous, db, seen):
    assert anonymous.post("/cek/", {"nomor": "BPN1707010001"}).status_code == 405
    assert all(calls == ["/cek/"] for calls in seen.values()), seen


@pytest.mark.parametrize("view", LEAN_VIEWS)
def test_the_lean_answers_carry_the_same_security_headers(anonymous, receipt, view):
    kwargs = {"number": receipt.number} if view == "receipts:api_receipt" else {}
    query = {} if kwargs else {"nomor": receipt.number}
    lean_response = anonymous.get(reverse(view, kwargs=kwargs), query)
    full_response = anonymous.get("/statistik/")
    for header in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
    ):
        assert lean_response[header] == full_response[header], header
    assert lean_response["Cache-Control"] == "private, no-store"
    assert "sessionid" not in lean_response.cookies


def test_the_language_switch_on_a_lean_page_still_needs_its_csrf_token(receipt):
    browser = Client(enforce_csrf_checks=True)
    html = browser.get("/cek/", {"nomor": receipt.number}).content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert "csrftoken" in browser.cookies  # set by the lean answer, for the form's POST
    page = f"/cek/?nomor={receipt.number}"
    refused = browser.post("/i18n/setlang/", {"language": "en", "next": page})
    assert refused.status_code == 403
    switched = browser.post(
        "/i18n/setlang/", {"language": "en", "next": page, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    assert '<html lang="en">' in browser.get(page).content.decode()


def test_a_staff_session_is_left_as_it_is_by_a_lookup(client, staff, receipt):
    client.force_login(staff)
    session_key = client.cookies["sessionid"].value
    response = client.get("/cek/", {"nomor": receipt.number})
    assert response.status_code == 200
    assert "sessionid" not in response.cookies  # neither renewed nor dropped
    assert client.get("/admin/").status_code == 200  # still logged in
    assert client.cookies["sessionid"].value == session_key
