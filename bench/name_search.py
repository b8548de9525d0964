"""The counter's name search at scale: EXPLAIN and timing of the queries the clerk's search runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/seed_scale.py 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/name_search.py

It runs exactly what ``distribution.views_counter.home`` runs for a name: the selector
``distribution.selectors.receipts_by_name`` (one kecamatan, the 51 rows the page shows, read
from the word table receipts_receiptword in index order, then the rows fetched). For each
query it prints ``EXPLAIN (ANALYZE, BUFFERS)`` of every statement once, then, in alternating
rounds, the median / p90 / max of ``--rounds`` executions of the selector ("words") and of the
queryset it replaced ("trigram": receipts.name_search.rank_by_name over the trigram index,
ranking every match), and their ratio. It also checks that both give the same page, up to the
order of namesakes (the trigram path orders them by newest receipt, the word table by id).
Target: < 50 ms at 1,000,000 residents.

seed_scale.py names residents from short lists (20 first names x 16 family names), so a first
name there matches far more rows than in a real city: the common-name figures are the hard case.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

QUERIES = [
    "siti",
    "pratama",
    "andi",
    "a",
    "ek",
    "prat",
    "siti rahma",
    "dewi wahyuni",
    "désy",
    "zulkarnaen",
]
LIMIT = 51


def _stats(timings):
    timings = sorted(timings)
    return statistics.median(timings), timings[max(int(len(timings) * 0.9) - 1, 0)], timings[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--kecamatan", default="selatan", help="slug of the clerk's kecamatan")
    parser.add_argument("--no-trigram", action="store_true", help="skip the old queryset")
    parser.add_argument("queries", nargs="*", default=QUERIES)
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    from distribution.selectors import receipts_by_name, search_rows
    from receipts.models import Kecamatan, Receipt, Resident
    from receipts.name_search import fold, rank_by_name, receipt_ids_by_name

    kecamatan = Kecamatan.objects.get(slug=args.kecamatan)
    print(f"residents: {Resident.objects.count():,}  kecamatan: {kecamatan.name}")
    print(f"load average: {os.getloadavg()}")

    def words(text):
        return receipts_by_name(kecamatan_id=kecamatan.pk, text=text, limit=LIMIT)

    def trigram(text):
        scoped = Receipt.objects.filter(collection_kecamatan_id=kecamatan.pk)
        ranked = rank_by_name(scoped, text, name_path="resident__full_name").order_by(
            "-name_rank", "resident__full_name", "-recorded_at"
        )
        return list(search_rows(ranked)[:LIMIT])

    summary = []
    for text in args.queries:
        print(f"\n=== {text!r}")
        plans = []
        receipt_ids_by_name(kecamatan_id=kecamatan.pk, query=text, limit=LIMIT, explain=plans)
        for plan in plans:
            print(plan, end="\n\n")
        timings = {"words": [], "trigram": []}
        for _ in range(args.rounds):
            for label, run in (("words", words), ("trigram", trigram)):
                if label == "trigram" and args.no_trigram:
                    continue
                start = time.perf_counter()
                rows = run(text)
                timings[label].append((time.perf_counter() - start) * 1000)
                if label == "words":
                    shown = rows
                else:
                    old = rows
        same = "-"
        if not args.no_trigram:
            key = [(fold(r.resident.full_name), r.pk) for r in shown]
            same = (
                "yes" if [fold(r.resident.full_name) for r in old] == [k for k, _ in key] else "NO"
            )
        summary.append((text, len(plans), len(shown), timings, same))
    connection.close()
    print(
        "\nquery          statements  shown  words median/p90/max ms   trigram median ms  ratio  same page"
    )
    for text, statements, shown, timings, same in summary:
        median, p90, worst = _stats(timings["words"])
        old = _stats(timings["trigram"])[0] if timings["trigram"] else float("nan")
        print(
            f"{text:<16} {statements:>8}  {shown:>5}  {median:7.1f} {p90:6.1f} {worst:6.1f}"
            f"   {old:14.1f}  {old / median:5.0f}x  {same}"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
