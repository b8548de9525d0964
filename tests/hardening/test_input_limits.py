"""Oversized input is refused cleanly (4xx, Indonesian), before anything parses it."""

import json

from django.conf import settings


def test_oversized_query_string_is_refused_with_414_in_indonesian(db, client):
    response = client.get("/cek/", {"nomor": "A" * 3000})
    assert response.status_code == 414
    assert "Alamat terlalu panjang" in response.content.decode()
    assert response["Content-Security-Policy"]


def test_oversized_query_string_on_the_api_is_a_json_414(db, client):
    response = client.get("/api/v1/receipts/X/", {"q": "A" * 3000})
    assert response.status_code == 414
    assert json.loads(response.content) == {"error": "uri_too_long"}


def test_query_string_at_the_limit_is_accepted(db, client):
    # "nomor=" + padding: exactly MAX_QUERY_STRING_BYTES bytes.
    padding = "A" * (settings.MAX_QUERY_STRING_BYTES - len("nomor="))
    assert client.get("/cek/", {"nomor": padding}).status_code < 500
    assert client.get("/cek/", {"nomor": padding}).status_code != 414


def test_oversized_body_on_a_public_path_is_refused_with_413(db, client):
    response = client.post("/i18n/setlang/", {"language": "id", "pad": "x" * 20_000})
    assert response.status_code == 413
    assert "Data terlalu besar" in response.content.decode()


def test_staff_paths_accept_bodies_above_the_public_limit(db, client):
    # The receipt import posts large files to the admin; only Django's own limits apply.
    response = client.post("/admin/login/", {"username": "x", "password": "y", "pad": "x" * 20_000})
    assert response.status_code not in (413, 500)


def test_too_many_fields_is_a_400_not_a_500(db, client):
    data = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/loket/masuk/", data)
    assert response.status_code == 400


def test_upload_limits_leave_room_for_the_import():
    assert settings.MAX_REQUEST_BODY_BYTES >= 50 * 1024 * 1024
    # Files above this are streamed to a temporary file, not held in memory.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
