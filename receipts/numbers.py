"""Receipt numbers and NIK: normalisation and validation, shared by forms, views and imports."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.id import nik as stdnum_nik

# A receipt number, once spaces and dashes are removed and letters upper-cased, is 6 to 24
# letters and digits. Printed receipts show it in groups (e.g. ``BPN-170805-0123``).
RECEIPT_NUMBER_RE = re.compile(r"^[A-Z0-9]{6,24}$")
_SEPARATORS_RE = re.compile(r"[\s\-_./]+")
MAX_RAW_RECEIPT_INPUT = 64


class MalformedReceiptNumber(ValueError):
    """The input cannot be a receipt number, whatever the database holds."""


def normalize_receipt_number(raw: str) -> str:
    """Return the canonical receipt number for ``raw`` or raise MalformedReceiptNumber."""
    if raw is None or len(raw) > MAX_RAW_RECEIPT_INPUT:
        raise MalformedReceiptNumber(raw)
    value = _SEPARATORS_RE.sub("", raw).upper()
    if not RECEIPT_NUMBER_RE.match(value):
        raise MalformedReceiptNumber(raw)
    return value


def normalize_nik(raw: str) -> str:
    return stdnum_nik.compact(raw or "")


def validate_nik(value: str) -> None:
    """Model/form validator: 16 digits with a valid province and an encoded birth date."""
    try:
        stdnum_nik.validate(value)
    except StdnumValidationError:
        raise ValidationError(
            _("NIK tidak valid: harus 16 angka dengan kode wilayah dan tanggal lahir yang benar."),
            code="invalid_nik",
        ) from None


def nik_birth_day_month_year(value: str) -> tuple[int, int, int, bool]:
    """Return (day, month, two-digit year, is_female) as encoded in a valid NIK."""
    day = int(value[6:8])
    female = day > 40
    if female:
        day -= 40
    return day, int(value[8:10]), int(value[10:12]), female


def validate_nik_matches(nik: str, birth_date: datetime.date, sex: str) -> None:
    """Raise ValidationError when the NIK's encoded birth date or sex disagree with the record.

    ``sex`` is ``"L"`` (laki-laki) or ``"P"`` (perempuan); women have 40 added to the day.
    """
    day, month, year2, female = nik_birth_day_month_year(nik)
    if (day, month, year2) != (birth_date.day, birth_date.month, birth_date.year % 100):
        raise ValidationError(
            _("NIK tidak cocok dengan tanggal lahir."), code="nik_birth_date_mismatch"
        )
    if female != (sex == "P"):
        raise ValidationError(
            _("NIK tidak cocok dengan jenis kelamin (tanggal lahir perempuan ditambah 40)."),
            code="nik_sex_mismatch",
        )


# Every word's mask has the same width, whatever the word's length: ``Siti Wahyuni`` and
# ``Sri Wulandari`` both become ``S*** W***``, so the page does not give away how long each
# part of the name is (with the kelurahan on the same page, lengths narrow a name down).
MASK = "***"


def mask_name(full_name: str) -> str:
    """The first letter of each word and a fixed-width mask: ``Siti Wahyuni`` -> ``S*** W***``."""
    return " ".join(word[0] + MASK for word in full_name.split())


def initials(full_name: str) -> str:
    return " ".join(word[0] + "." for word in full_name.split())
