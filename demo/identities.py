"""Helpers to make valid, consistent demo identities (used by seed_demo, tests and benches)."""

import datetime


def make_nik(*, district_code: str, birth_date: datetime.date, sex: str, serial: int) -> str:
    """Build a structurally valid NIK: ``PPRRSS`` + ``DDMMYY`` (+40 on the day for women) + serial.

    ``district_code`` is an official kecamatan code such as ``64.71.05``.
    """
    day = birth_date.day + (40 if sex == "P" else 0)
    return (
        district_code.replace(".", "")
        + f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
        + f"{serial % 10000:04d}"
    )
