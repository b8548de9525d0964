"""The counter's name search at scale: EXPLAIN and timing of the query the clerk's search runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/seed_scale.py 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/name_search.py

It builds exactly the queryset of ``distribution.views_counter.home`` for a name (scoped to
one kecamatan, ``receipts.name_search.rank_by_name``, the 51 rows the page shows) and, for
each query, prints ``EXPLAIN (ANALYZE, BUFFERS)`` once and the median / p90 / max of
``--rounds`` executions (measured around the fetch). Queries mix what a
clerk types: a common first name, a family name, two words, a short prefix, an accented
spelling, and a name that does not exist. Target: < 50 ms at 1,000,000 residents.

seed_scale.py names residents from short lists (first name + family name), so a first name
there matches far more rows than in a real city: the common-name figures are the hard case.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

QUERIES = ["siti", "pratama", "siti rahma", "dewi wahyuni", "ek", "désy", "zulkarnaen"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--kecamatan", default="selatan", help="slug of the clerk's kecamatan")
    parser.add_argument("queries", nargs="*", default=QUERIES)
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    from distribution.selectors import receipts_by_name, search_rows
    from receipts.models import Kecamatan, Receipt, Resident

    kecamatan = Kecamatan.objects.get(slug=args.kecamatan)
    print(f"residents: {Resident.objects.count():,}  kecamatan: {kecamatan.name}")
    print(f"load average: {os.getloadavg()}")

    def counter_query(text):
        scoped = Receipt.objects.filter(collection_kecamatan_id=kecamatan.pk)
        return search_rows(receipts_by_name(scoped, text))[:51]

    summary = []
    for text in args.queries:
        queryset = counter_query(text)
        print(f"\n=== {text!r}")
        print(queryset.explain(analyze=True, buffers=True))
        timings = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            rows = list(counter_query(text))
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        matches = receipts_by_name(
            Receipt.objects.filter(collection_kecamatan_id=kecamatan.pk), text
        ).count()
        summary.append(
            (
                text,
                matches,
                len(rows),
                statistics.median(timings),
                timings[int(len(timings) * 0.9) - 1],
                timings[-1],
            )
        )
    connection.close()
    print("\nquery            matches  shown  median ms  p90 ms  max ms")
    for text, matches, shown, median, p90, worst in summary:
        print(f"{text:<16} {matches:>7,}  {shown:>5}  {median:9.1f}  {p90:6.1f}  {worst:6.1f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
