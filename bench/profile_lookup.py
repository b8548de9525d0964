"""Where does a lookup request spend its time? cProfile over many requests, in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/profile_lookup.py cek

Requests ``--requests`` random existing receipt numbers through Django's test client (all
middleware, production settings) for one target (``bare``, ``cek`` or ``api``) and prints the
functions with the most cumulative and own time. A diagnostic, not a benchmark: the
profiler itself slows Python code down several times.
"""

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import collect_static, setup_django  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=["bare", "cek", "api"])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args(argv)
    setup_django("bench.settings")
    collect_static()
    from django.test import Client

    from bench.lookup import TARGETS, pick_numbers

    numbers, _total = pick_numbers(args.requests)
    client = Client()
    path = TARGETS[args.target]
    for number in numbers[:100]:
        status = client.get(path.format(n=number)).status_code
        if status != 200:
            sys.exit(f"{path.format(n=number)} answered {status}")
    t0 = time.perf_counter()
    for number in numbers:
        client.get(path.format(n=number))
    plain = (time.perf_counter() - t0) * 1000 / len(numbers)
    profiler = cProfile.Profile()
    profiler.enable()
    for number in numbers:
        client.get(path.format(n=number))
    profiler.disable()
    print(f"{args.target}: {plain:.2f} ms per request without the profiler")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
