"""Password rules (issue 16, finding 5): what the probe got through is refused now."""

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("staf12345678", "staf"),  # sequential digits, and the username
        ("aaaaaaaaaaaa", "staf"),  # one repeated character
        ("ektp-demo-2018", "staf"),  # the published demo password
        ("EKTP-DEMO-2018", "loket.kota"),
        ("selatan-kartu-biru", "loket.selatan"),  # a part of the username
        ("Kartu-abcd-Biru-93", "staf"),  # letters in a row
        ("Kartu-9876-Biru-x", "staf"),  # digits down
        ("ababababababab", "staf"),  # few distinct characters
        ("short-9x", "staf"),  # under 12
    ],
)
def test_weak_passwords_are_refused(password, username):
    with pytest.raises(ValidationError):
        validate_password(password, User(username=username))


@pytest.mark.parametrize(
    "password", ["Kartu-Kuning-Balikpapan-2018", "sungai mahakam lebar 7", "Tiga-Kopi-Susu-95"]
)
def test_a_long_unusual_password_is_accepted(password):
    validate_password(password, User(username="loket.selatan"))


def test_the_message_is_indonesian():
    with pytest.raises(ValidationError) as refused:
        validate_password("aaaaaaaaaaaa", User(username="staf"))
    assert "berulang" in " ".join(refused.value.messages)
