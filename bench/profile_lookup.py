"""Where does a lookup request spend its time? Part by part, then cProfile, in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench1m python bench/profile_lookup.py cek --cold

Requests ``--requests`` random existing receipt numbers through Django's test client (all
middleware, production settings) for one target (``bare``, ``cek`` or ``api``). Without
cookies, as wrk and a first-time visitor send them: every answer sets a new CSRF cookie.

``--cold`` makes every request a distinct number (as real traffic: the per-worker lookup
cache, which stays on, never has the number), and times it part by part without the
profiler, with timers around each middleware (its own time, without the layers inside it), URL
resolution and the view's callback, the view's template rendering (or the API's JSON), the
selector's Python and the database (all statements, through the connection's execute
wrapper). Then it counts, under cProfile, the calls that dominated the render before:
gettext, reverse() and date formatting. Without ``--cold`` the same numbers are requested
again and again (a hot cache after the first pass). Finally the functions with the most
cumulative and own time (``--top``, 0 to skip). A diagnostic, not a benchmark: the timers
cost a few microseconds each, the profiler slows Python code down several times.
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import collect_static, setup_django  # noqa: E402


class Parts:
    """Inclusive timers by name, per request; exclusive times are derived by the caller."""

    def __init__(self):
        self.totals = defaultdict(float)
        self.requests = 0

    def timed(self, name, func):
        totals = self.totals

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - start

        wrapper.__wrapped__ = func
        return wrapper

    def ms(self, name) -> float:
        return self.totals[name] * 1000 / max(1, self.requests)


def install_timers(parts: Parts) -> list[str]:
    """Wrap every middleware, the view, the render, the selector and the database; returns
    the middleware names, outermost first."""
    from django.core.handlers import base
    from django.db import connections

    import portal.result_page
    import portal.selectors
    import portal.views

    names = []
    original_convert = base.convert_exception_to_response

    def convert(get_response):
        # load_middleware wraps the innermost handler (_get_response: URL resolution,
        # process_view, the view) and then each middleware, innermost first.
        name = getattr(get_response, "__name__", None) or type(get_response).__name__
        names.insert(0, name)
        return parts.timed(f"layer:{name}", original_convert(get_response))

    base.convert_exception_to_response = convert

    original_atomic = base.BaseHandler.make_view_atomic

    def make_view_atomic(self, view):
        return parts.timed("view", original_atomic(self, view))

    base.BaseHandler.make_view_atomic = make_view_atomic
    for attr in ("render_to_string", "render", "_api_body"):
        setattr(portal.views, attr, parts.timed("render", getattr(portal.views, attr)))
    portal.result_page.render = parts.timed("render", portal.result_page.render)
    for attr in ("receipt_lookup", "receipt_stamp"):
        setattr(portal.selectors, attr, parts.timed("selector", getattr(portal.selectors, attr)))

    def db_timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            parts.totals["db"] += time.perf_counter() - start
            parts.totals["queries"] += 1

    from django.core.signals import request_started

    def add_wrapper(**kwargs):
        for conn in connections.all(initialized_only=True):
            if db_timer not in conn.execute_wrappers:
                conn.execute_wrappers.append(db_timer)

    request_started.connect(add_wrapper, weak=False)
    return names


def breakdown(parts: Parts, names: list[str], wall_ms: float) -> None:
    layers = [f"layer:{n}" for n in names]
    handler = parts.ms(layers[0])
    print(f"\nper request (ms), {parts.requests} requests, no profiler:")
    print(f"  test client, whole request                  {wall_ms:7.2f}")
    print(f"  Django handler (all middleware and view)    {handler:7.2f}")
    view = parts.ms("view")
    render = parts.ms("render")
    selector = parts.ms("selector")
    db = parts.ms("db")
    print(f"    view callback                             {view:7.2f}")
    print(f"      template render (or JSON)               {render:7.2f}")
    print(f"      selector Python (without DB)            {max(0.0, selector - db):7.2f}")
    print(
        f"      database (statements, driver)           {db:7.2f}"
        f"   ({parts.totals['queries'] / max(1, parts.requests):.2f} queries per request)"
    )
    print(f"      view code else                          {view - render - selector:7.2f}")
    inner = parts.ms(layers[-1])
    print(f"    URL resolution, process_view              {inner - view:7.2f}")
    print("    middleware, each its own time:")
    rows = []
    for outer, inside in zip(layers, layers[1:], strict=False):
        rows.append((parts.ms(outer) - parts.ms(inside), outer.removeprefix("layer:")))
    for own, name in rows:
        print(f"      {name:<40}{own:7.2f}")
    print(f"      {'all middleware':<40}{sum(own for own, _n in rows):7.2f}")
    print(f"  outside the handler (test client, WSGI)     {wall_ms - handler:7.2f}")


CALLS = {
    "gettext": ("trans_real.py", ("gettext", "pgettext", "ngettext", "npgettext")),
    "reverse()": ("base.py", ("reverse",)),
    "date/time format": ("dateformat.py", ("format", "time_format")),
    "template nodes rendered": ("base.py", ("render_annotated",)),
}


def count_calls(stats: pstats.Stats, requests: int) -> None:
    print("\ncalls per request (cProfile):")
    for label, (filename, funcs) in CALLS.items():
        n = sum(
            value[1]
            for (file, _line, func), value in stats.stats.items()
            if file.endswith(filename) and func in funcs
        )
        print(f"  {label:<26}{n / requests:7.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=["bare", "cek", "api"])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--cold", action="store_true", help="distinct numbers, never repeated")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args(argv)
    setup_django("bench.settings")
    collect_static()
    from django.test import Client

    from bench.lookup import TARGETS, pick_numbers

    # Cold: each of the three passes (check, timers, profiler) gets numbers of its own.
    passes = 3 if args.cold else 1
    numbers, _total = pick_numbers(args.requests * passes + 100)
    client = Client()
    path = TARGETS[args.target]

    def get(number):
        client.cookies.clear()  # as wrk sends them: none
        return client.get(path.format(n=number))

    for number in numbers[:100]:
        status = get(number).status_code
        if status != 200:
            sys.exit(f"{path.format(n=number)} answered {status}")
    numbers = numbers[100:]
    batches = (
        [numbers[i * args.requests : (i + 1) * args.requests] for i in range(3)]
        if args.cold
        else [numbers[: args.requests]] * 3
    )
    if not args.cold:
        for number in batches[0]:
            get(number)

    parts = Parts()
    names = install_timers(parts)
    client.handler.load_middleware()
    walls = []
    for number in batches[1]:
        start = time.perf_counter()
        get(number)
        walls.append(time.perf_counter() - start)
    parts.requests = len(walls)
    wall_ms = sum(walls) * 1000 / len(walls)
    print(
        f"{args.target}{' cold (distinct numbers)' if args.cold else ' (repeated numbers)'}:"
        f" {wall_ms:.2f} ms per request (median {statistics.median(walls) * 1000:.2f})"
    )
    breakdown(parts, names, wall_ms)

    profiler = cProfile.Profile()
    profiler.enable()
    for number in batches[2]:
        get(number)
    profiler.disable()
    stats = pstats.Stats(profiler)
    count_calls(stats, len(batches[2]))
    if args.top:
        stats.strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
