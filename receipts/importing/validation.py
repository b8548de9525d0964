"""Validation of one row on its own, without the database: the single validation code path."""

import datetime
import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from receipts.importing.reading import REQUIRED
from receipts.models import Kelurahan
from receipts.numbers import (
    MAX_RAW_RECEIPT_INPUT,
    MalformedReceiptNumber,
    normalize_nik,
    normalize_receipt_number,
    validate_nik,
    validate_nik_matches,
)

# Bidirectional controls (U+202A-U+202E, U+2066-U+2069, LRM/RLM, ALM): invisible, they
# reorder what follows, so "Siti\u202eoknoB" shows as "SitiBonko" on a clerk's screen and in
# exports (issue 16, finding 10). No Indonesian name needs them: dropped on import.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
)


def clean_text(value: str) -> str:
    """Drop bidi controls and collapse whitespace (names, places, addresses)."""
    return " ".join(value.translate(_BIDI_CONTROLS).split())


MAX_LENGTHS = {"nama": 150, "tempat_rekam": 150, "telepon": 30, "email": 254, "alamat": 255}

SEX_CODES = {
    "L": "L",
    "LK": "L",
    "LAKI-LAKI": "L",
    "LAKI LAKI": "L",
    "LAKILAKI": "L",
    "PRIA": "L",
    "P": "P",
    "PR": "P",
    "PEREMPUAN": "P",
    "WANITA": "P",
}

BAD_NIK = gettext_lazy(
    "NIK tidak valid: harus 16 angka dengan kode wilayah dan tanggal lahir yang benar."
)

_DATE_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DATE_DMY = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_NIK_DIGITS = re.compile(r"^[0-9]{16}$")


@functools.lru_cache(maxsize=4096)
def _nik_place_valid(place: str) -> bool:
    """validate_nik for the province+regency digits alone (memoised: a file has few of them).

    Validating every NIK through python-stdnum costs a registry lookup per row; the birth-date
    digits are checked against the row's birth date instead, and only a NIK that fails that
    check goes through the full validate_nik to choose the right message.
    """
    try:
        validate_nik(place + "00" + "010170" + "0001")
    except ValidationError:
        return False
    return True


def nik_is_valid(nik: str) -> bool:
    try:
        validate_nik(nik)
    except ValidationError:
        return False
    return True


class RowError(Exception):
    """One row is rejected; ``message`` is the Indonesian reason."""


def _parse_date(value: str) -> datetime.date:
    if len(value) == 10:  # the usual zero-padded forms, without a regular expression
        sep = value[4]
        if sep in "-/" and value[7] == sep:
            return datetime.date(int(value[:4]), int(value[5:7]), int(value[8:]))
        sep = value[2]
        if sep in "-/" and value[5] == sep:
            return datetime.date(int(value[6:]), int(value[3:5]), int(value[:2]))
    match = _DATE_YMD.match(value)
    if match:
        year, month, day = match.groups()
    else:
        match = _DATE_DMY.match(value)
        if not match:
            raise ValueError(value)
        day, month, year = match.groups()
    return datetime.date(int(year), int(month), int(day))


# Parsed dates and times by their spelling. A file of a million rows has some tens of thousands
# of birth and recording dates and at most 86,400 times of day, so most rows are a dictionary
# hit; each memo stops growing at its bound (memory does not grow with the file).
_DATE_MEMO: dict[str, datetime.date] = {}
_TIME_MEMO: dict[str, str] = {}
_MEMO_BOUND = 200_000


def parse_date(raw: str) -> datetime.date:
    """``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY`` (also ``YYYY/MM/DD``)."""
    found = _DATE_MEMO.get(raw)
    if found is None:
        found = _parse_date(raw.strip())
        if len(_DATE_MEMO) < _MEMO_BOUND:
            _DATE_MEMO[raw] = found
    return found


def _parse_time(value: str) -> str:
    found = _TIME_MEMO.get(value)
    if found is None:
        match = _TIME.match(value)
        if not match:
            raise ValueError(value)
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        found = datetime.time(hour, minute, second).isoformat()  # (checks the ranges)
        if len(_TIME_MEMO) < _MEMO_BOUND:
            _TIME_MEMO[value] = found
    return found


def parse_local_datetime(raw: str) -> str:
    """A date as in parse_date, optionally followed by ``HH:MM[:SS]`` (space or ``T``), as
    ``YYYY-MM-DD HH:MM:SS`` local time (the text COPY reads in the import's time zone)."""
    value = raw.strip()
    if len(value) == 16 and value[10] in " T" and value[13] == ":":  # the usual "date HH:MM"
        return f"{parse_date(value[:10]).isoformat()} {_parse_time(value[11:])}"
    date_part, _sep, time_part = value.replace("T", " ").partition(" ")
    time_part = time_part.strip()
    return (
        f"{parse_date(date_part).isoformat()} {_parse_time(time_part) if time_part else '00:00:00'}"
    )


class KelurahanIndex:
    """The (few dozen) kelurahan by official code and by name, loaded once per import."""

    def __init__(self):
        self.by_key: dict[str, tuple[int, int]] = {}
        self.memo: dict[str, tuple[int, int] | None] = {}
        ambiguous = set()
        for pk, code, name, kecamatan_id in Kelurahan.objects.values_list(
            "pk", "code", "name", "kecamatan_id"
        ):
            value = (pk, kecamatan_id)
            self.by_key[code] = value
            self.by_key[code.replace(".", "")] = value
            key = " ".join(name.casefold().split())
            if key in self.by_key and self.by_key[key] != value:
                ambiguous.add(key)
            self.by_key[key] = value
        for key in ambiguous:
            # The same name in two kecamatan: only the official code can tell them apart.
            del self.by_key[key]

    def find(self, raw: str) -> tuple[int, int] | None:
        found = self.memo.get(raw, False)
        if found is False:
            value = " ".join(raw.casefold().split())
            found = self.by_key.get(value) or self.by_key.get(value.replace(" ", ""))
            if len(self.memo) < 10_000:  # a file spells its kelurahan a few ways, not millions
                self.memo[raw] = found
        return found


@dataclass(slots=True)
class CleanRow:
    nik: str
    full_name: str
    birth_date: datetime.date
    sex: str
    kelurahan_id: int
    kecamatan_id: int
    number: str
    recorded_local: str  # "YYYY-MM-DD HH:MM:SS", local time (parse_local_datetime)
    recorded_place: str
    phone: str
    email: str
    address: str


class RowValidator:
    """Validates one row on its own (no database access): the single validation code path."""

    def __init__(self, kelurahan: KelurahanIndex, tz=None):
        self.kelurahan = kelurahan
        self.tz = tz or timezone.get_default_timezone()

    def clean(self, cells: dict[str, str]) -> CleanRow:
        """Return the row cleaned, or raise RowError naming every problem of the row.

        Staff fix a rejected row once: all its errors are reported together ("; "), not
        the first one only. Checks that need an earlier value (NIK against birth date and
        sex) run only when those values could be read.
        """
        errors = []
        if not all(map(cells.get, REQUIRED)):
            missing = [name for name in REQUIRED if not cells.get(name)]
            errors.append(_("Kolom wajib kosong: %(columns)s.") % {"columns": ", ".join(missing)})
        for name, limit in MAX_LENGTHS.items():
            if len(cells.get(name, "")) > limit:
                errors.append(
                    _("Isian %(column)s terlalu panjang (paling banyak %(limit)s karakter).")
                    % {"column": name, "limit": limit}
                )
        nik = cells.get("nik", "")
        if nik and not _NIK_DIGITS.match(nik):
            nik = normalize_nik(nik)
        nik_ok = bool(_NIK_DIGITS.match(nik) and _nik_place_valid(nik[:4]))
        if nik and not nik_ok:
            errors.append(BAD_NIK)
        birth_date = sex = place = number = recorded_local = None
        if cells.get("tanggal_lahir"):
            try:
                birth_date = parse_date(cells["tanggal_lahir"])
            except ValueError:
                errors.append(
                    _(
                        "Tanggal lahir tidak dapat dibaca: %(value)s (pakai TTTT-BB-HH atau "
                        "HH-BB-TTTT)."
                    )
                    % {"value": cells["tanggal_lahir"]}
                )
        if cells.get("jenis_kelamin"):
            sex = SEX_CODES.get(cells["jenis_kelamin"]) or SEX_CODES.get(
                " ".join(cells["jenis_kelamin"].upper().split())
            )
            if sex is None:
                errors.append(
                    _("Jenis kelamin tidak dikenal: %(value)s (pakai L atau P).")
                    % {"value": cells["jenis_kelamin"]}
                )
        if nik_ok and birth_date is not None and sex is not None:
            try:
                validate_nik_matches(nik, birth_date, sex)
            except ValidationError as error:
                # e.g. a day or month that no date has
                errors.append(BAD_NIK if not nik_is_valid(nik) else error.messages[0])
        if cells.get("kelurahan"):
            place = self.kelurahan.find(cells["kelurahan"])
            if place is None:
                errors.append(
                    _("Kelurahan tidak dikenal: %(value)s (pakai kode resmi atau nama kelurahan).")
                    % {"value": cells["kelurahan"]}
                )
        raw_number = cells.get("nomor_resi", "")
        if raw_number:
            number = raw_number.replace("-", "").upper()
            # The common spelling (letters, digits, dashes) gives what normalize_receipt_number
            # gives, without its two regular expressions; anything else goes through it.
            if len(raw_number) > MAX_RAW_RECEIPT_INPUT or not (
                6 <= len(number) <= 24 and number.isascii() and number.isalnum()
            ):
                try:
                    number = normalize_receipt_number(raw_number)
                except MalformedReceiptNumber:
                    errors.append(
                        _("Nomor resi tidak valid: %(value)s (6–24 huruf/angka).")
                        % {"value": raw_number}
                    )
        if cells.get("waktu_rekam"):
            try:
                recorded_local = parse_local_datetime(cells["waktu_rekam"])
            except ValueError:
                errors.append(
                    _("Waktu rekam tidak dapat dibaca: %(value)s (pakai TTTT-BB-HH [JJ:MM]).")
                    % {"value": cells["waktu_rekam"]}
                )
        email = cells.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(_("Alamat e-mail tidak valid: %(value)s.") % {"value": email})
        if errors:
            raise RowError(" ".join(str(error) for error in errors))
        return CleanRow(
            nik=nik,
            full_name=clean_text(cells["nama"]),
            birth_date=birth_date,
            sex=sex,
            kelurahan_id=place[0],
            kecamatan_id=place[1],
            number=number,
            recorded_local=recorded_local,
            recorded_place=clean_text(cells["tempat_rekam"]),
            phone=cells.get("telepon", ""),
            email=email.lower(),
            address=clean_text(cells.get("alamat", "")),
        )
