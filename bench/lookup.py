"""Load-test the public lookup against a bare Django view, on one gunicorn, A/B alternating.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench python bench/lookup.py

Starts gunicorn with the production configuration (disdukcapil/gunicorn.conf.py, DEBUG off,
all middleware, Redis cache) and ``DJANGO_SETTINGS_MODULE=bench.settings`` (the project's
URLs plus ``/bench/bare/<number>/``). It picks random existing receipt numbers, writes a wrk
Lua script that requests a random one of them per request, warms up, then alternates
bare / real for ``--rounds`` rounds of ``--duration`` seconds per side, for the lookup page
(``/cek/?nomor=``) and the JSON API (``/api/v1/receipts/<n>/``). It prints requests/s, p50
and p99 per round and the medians, and the real/bare ratio. Loopback only; gunicorn is
stopped at the end, whatever happens.

The lookup cache (portal/lookup_cache.py) is on, as in production; every number is requested
``--fill-passes`` times per target before the rounds (each worker keeps its own cache), so they
measure answers served from the cache (one query for the status stamp). ``LOOKUP_CACHE_SECONDS=0 python
bench/lookup.py`` measures every answer built from the database instead (a first visit).

Rate limiting stays on: the load generator's address is exempted through the documented
``RATELIMIT_EXEMPT_IPS`` setting (``--ratelimit-off`` sets ``RATELIMIT_ENABLED=0`` instead).
"""

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_env, setup_django  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

TARGETS = {
    "bare": "/bench/bare/{n}/",
    "cek": "/cek/?nomor={n}",
    "api": "/api/v1/receipts/{n}/",
}

LUA = """
local numbers = {%(numbers)s}
local prefix, suffix = "%(prefix)s", "%(suffix)s"
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(os.time() * 100 + id)
end
request = function()
  return wrk.format("GET", prefix .. numbers[math.random(#numbers)] .. suffix)
end
"""


def pick_numbers(count: int, seed: int = 8) -> tuple[list[str], int]:
    """Random existing receipt numbers, drawn by id without sorting the whole table."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id), count(*) FROM receipts_receipt")
        low, high, total = cur.fetchone()
        if not total:
            sys.exit("No receipts: run bench/seed_scale.py first.")
        rng = random.Random(seed)
        ids = rng.sample(range(low, high + 1), min(count * 2, high - low + 1))
        cur.execute("SELECT number FROM receipts_receipt WHERE id = ANY(%s)", [ids])
        numbers = [row[0] for row in cur.fetchall()]
    rng.shuffle(numbers)
    return numbers[:count], total


def write_lua(directory: Path, name: str, numbers: list[str]) -> Path:
    prefix, suffix = TARGETS[name].split("{n}")
    script = directory / f"{name}.lua"
    script.write_text(
        LUA
        % {
            "numbers": ",".join(f'"{n}"' for n in numbers),
            "prefix": prefix,
            "suffix": suffix,
        }
    )
    return script


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(base: str, script: Path, *, duration: int, connections: int, threads: int) -> dict:
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "5s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def check_responses(base: str, numbers: list[str], names) -> None:
    """Every target must answer 200 for real numbers before we time it (not 400/404/429)."""
    for name in names:
        for number in numbers[:3]:
            url = base + TARGETS[name].format(n=number)
            try:
                with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 (loopback)
                    status, length = resp.status, len(resp.read())
            except urllib.error.HTTPError as exc:
                status, length = exc.code, 0
            print(f"  check {url} -> {status} ({length} bytes)")
            if status != 200:
                sys.exit(f"{url} answered {status}; fix the set-up before benchmarking.")


def fill_cache(base: str, numbers: list[str], names, passes: int) -> None:
    """Request every number ``passes`` times per target, so the rounds measure answers served
    from the cache (each gunicorn worker keeps its own: a number must reach every worker).

    (Run with ``LOOKUP_CACHE_SECONDS=0`` to measure every answer built from the database.)
    """
    from concurrent.futures import ThreadPoolExecutor

    def fetch(url):
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (loopback)
            return resp.status

    for name in names:
        started = time.monotonic()
        urls = [base + TARGETS[name].format(n=number) for number in numbers] * passes
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(fetch, urls))
        took = time.monotonic() - started
        print(f"  filled the cache: {len(statuses)} x {name} in {took:.1f} s")


def start_gunicorn(args, env) -> subprocess.Popen:
    cmd = [
        GUNICORN,
        "--config",
        str(ROOT / "disdukcapil" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{args.port}",
    ]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.worker_class:
        cmd += ["--worker-class", args.worker_class]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.no_access_log:
        cmd += ["--access-logfile", "/dev/null"]
    cmd.append("disdukcapil.wsgi")
    log = open(args.log, "w")  # noqa: SIM115 (closed with the process)
    print("  " + " ".join(cmd))
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}; see {args.log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)  # noqa: S310
            return proc
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(proc)
    sys.exit(f"gunicorn did not answer /healthz within 30 s; see {args.log}")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def fmt(r: dict) -> str:
    extra = f"  load {os.getloadavg()[0]:.1f}"
    extra += f"  non-2xx {r['non2xx']}" if r["non2xx"] else ""
    extra += f"  sockets {r['socket_errors']}" if r["socket_errors"] else ""
    return f"{r['rps']:8.1f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms{extra}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per side per round")
    parser.add_argument("--warmup", type=int, default=5, help="seconds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--numbers", type=int, default=2000)
    parser.add_argument(
        "--fill-passes", type=int, default=5, help="requests per number and target before timing"
    )
    parser.add_argument(
        "--targets", default="cek,api", help="compared with the bare view, comma-separated"
    )
    parser.add_argument("--workers", type=int, help="override gunicorn.conf.py")
    parser.add_argument("--worker-class", help="override gunicorn.conf.py (sync, gthread)")
    parser.add_argument("--threads", type=int, help="threads per worker (gthread)")
    parser.add_argument(
        "--no-access-log", action="store_true", help="drop gunicorn's access log (kept by default)"
    )
    parser.add_argument("--ratelimit-off", action="store_true", help="RATELIMIT_ENABLED=0")
    parser.add_argument("--log", default=str(Path(tempfile.gettempdir()) / "bench-gunicorn.log"))
    args = parser.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")

    env = bench_env()
    if args.ratelimit_off:
        env["RATELIMIT_ENABLED"] = "0"
        del env["RATELIMIT_EXEMPT_IPS"]
    os.environ.update(env)
    setup_django("bench.settings")
    from django.conf import settings

    numbers, total = pick_numbers(args.numbers)
    limiter = [m for m in settings.MIDDLEWARE if "ratelimit" in m.lower()]
    print(f"receipts in the database: {total:,}; {len(numbers)} random numbers")
    print(f"middleware ({len(settings.MIDDLEWARE)}): {', '.join(settings.MIDDLEWARE)}")
    print(
        f"lookup cache: LOOKUP_CACHE_SECONDS={settings.LOOKUP_CACHE_SECONDS}"
        + (
            " (off: every lookup is built from the database)"
            if not settings.LOOKUP_CACHE_SECONDS
            else f", filled first with {args.fill_passes} requests per number and target"
        )
    )
    print(
        "rate limiting: "
        + (
            f"{limiter[0]} with "
            + ("RATELIMIT_ENABLED=0" if args.ratelimit_off else "RATELIMIT_EXEMPT_IPS=127.0.0.1")
            if limiter
            else "no rate-limiting middleware in settings.MIDDLEWARE"
        )
    )
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )

    base = f"http://127.0.0.1:{args.port}"
    # The bare side is measured next to each target: results["bare/cek"], results["cek"], ...
    results: dict[str, list[dict]] = {}
    for target in targets:
        results[f"bare/{target}"] = []
        results[target] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    proc = start_gunicorn(args, env)
    try:
        scripts = {name: write_lua(workdir, name, numbers) for name in ["bare", *targets]}
        check_responses(base, numbers, ["bare", *targets])
        if settings.LOOKUP_CACHE_SECONDS:
            fill_cache(base, numbers, targets, args.fill_passes)
        wrk = {
            "duration": args.duration,
            "connections": args.connections,
            "threads": args.wrk_threads,
        }
        for name in ["bare", *targets]:
            r = run_wrk(base, scripts[name], **{**wrk, "duration": args.warmup})
            print(f"  warm-up {name:<5} {fmt(r)}")
        for round_no in range(1, args.rounds + 1):
            for target in targets:
                pair = ["bare", target] if round_no % 2 else [target, "bare"]
                for name in pair:
                    r = run_wrk(base, scripts[name], **wrk)
                    key = f"bare/{target}" if name == "bare" else name
                    results[key].append(r)
                    print(f"round {round_no} {key:<9} {fmt(r)}", flush=True)
    finally:
        stop_gunicorn(proc)
        shutil.rmtree(workdir, ignore_errors=True)

    def med(name, key):
        return statistics.median(r[key] for r in results[name])

    print(
        f"\nmedians of {args.rounds} rounds x {args.duration} s, {args.connections} connections,"
        f" {args.wrk_threads} wrk threads, {total:,} receipts:"
    )
    for name in results:
        print(
            f"  {name:<9} {med(name, 'rps'):8.1f} req/s  p50 {med(name, 'p50'):6.2f} ms"
            f"  p99 {med(name, 'p99'):6.2f} ms"
        )
    for target in targets:
        # Ratio per round (same conditions, back to back), then the median of the ratios.
        ratios = [
            real["rps"] / bare["rps"]
            for real, bare in zip(results[target], results[f"bare/{target}"], strict=True)
        ]
        print(
            f"  {target}/bare requests/s: median of per-round ratios {statistics.median(ratios):.2f}"
            f" (ratio of medians {med(target, 'rps') / med(f'bare/{target}', 'rps'):.2f}); "
            f"{target} p99 {med(target, 'p99'):.1f} ms"
        )


if __name__ == "__main__":
    main()
