import datetime

import pytest
from django.core.exceptions import ValidationError

from demo.identities import make_nik
from receipts.numbers import (
    MalformedReceiptNumber,
    mask_name,
    normalize_receipt_number,
    validate_nik,
    validate_nik_matches,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BPN-170805-0123", "BPN1708050123"),
        (" bpn 170805 0123 ", "BPN1708050123"),
        ("bpn_170805.0123", "BPN1708050123"),
    ],
)
def test_receipt_number_is_normalised(raw, expected):
    assert normalize_receipt_number(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "12345", "BPN<script>", "BPN'1708;--", "X" * 25, "1" * 65]
)
def test_malformed_receipt_numbers_are_refused(raw):
    with pytest.raises(MalformedReceiptNumber):
        normalize_receipt_number(raw)


def test_valid_nik_passes():
    nik = make_nik(
        district_code="64.71.05", birth_date=datetime.date(1990, 3, 14), sex="P", serial=1
    )
    assert nik == "6471055403900001"
    validate_nik(nik)


@pytest.mark.parametrize(
    "nik",
    [
        "647105540390000",
        "64710554039000012",
        "9971055403900001",
        "6471053203900001",
        "64710554O3900001",
    ],
)
def test_invalid_nik_is_refused(nik):
    with pytest.raises(ValidationError):
        validate_nik(nik)


def test_nik_must_match_birth_date_and_sex():
    nik = "6471055403900001"  # woman born 14-03-1990
    validate_nik_matches(nik, datetime.date(1990, 3, 14), "P")
    with pytest.raises(ValidationError, match="tanggal lahir"):
        validate_nik_matches(nik, datetime.date(1990, 3, 15), "P")
    with pytest.raises(ValidationError, match="jenis kelamin"):
        validate_nik_matches(nik, datetime.date(1990, 3, 14), "L")


def test_mask_name_keeps_first_letters_only():
    assert mask_name("Siti Wahyuni") == "S*** W***"


def test_mask_name_does_not_give_away_word_lengths():
    # Two names with the same initials and different word lengths look the same.
    assert mask_name("Sri Wulandari") == mask_name("Siti Wahyuni") == mask_name("S W")
    assert mask_name("  Muhammad   bin  Abdullah ") == "M*** b*** A***"
