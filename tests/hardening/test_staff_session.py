"""Staff sessions end with the working day, like the counter's (issue 16, finding 9)."""

import datetime
from zoneinfo import ZoneInfo

import time_machine

WITA = ZoneInfo("Asia/Makassar")


def test_staff_login_session_expires_at_local_midnight(client, staff):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 8, 5, tzinfo=WITA), tick=False):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "staf", "password": "sandi-uji-123"}
        )
        assert response.status_code == 302
        expiry = client.session.get_expiry_date()
    assert expiry == datetime.datetime(2018, 8, 21, 0, 0, tzinfo=WITA)


def test_staff_session_is_gone_the_next_morning(client, staff):
    with time_machine.travel(datetime.datetime(2018, 8, 20, 15, 0, tzinfo=WITA), tick=False):
        client.post("/admin/login/", {"username": "staf", "password": "sandi-uji-123"})
        assert client.get("/staf/").status_code == 200
    with time_machine.travel(datetime.datetime(2018, 8, 21, 7, 30, tzinfo=WITA), tick=False):
        response = client.get("/staf/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_failed_staff_login_sets_no_expiry(client, staff):
    client.post("/admin/login/", {"username": "staf", "password": "salah"})
    assert "_auth_user_id" not in client.session
