"""The kecamatan and kelurahan of Balikpapan: one reader of receipts/data/balikpapan_wilayah.csv.

The demo seeder and the benchmarks all read the city's regions here. Imports nothing from
Django, so the benchmark scripts may use it before Django is set up.
"""

import csv
import functools
from pathlib import Path

WILAYAH_CSV = Path(__file__).resolve().parent / "data" / "balikpapan_wilayah.csv"


@functools.cache
def _rows() -> tuple[dict[str, str], ...]:
    with WILAYAH_CSV.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def region_rows() -> list[dict[str, str]]:
    """One row per kelurahan, in file order: kecamatan_code, kecamatan_name, kelurahan_code,
    kelurahan_name, kecamatan_printed_2016 (all text, as in the file)."""
    return [dict(row) for row in _rows()]
