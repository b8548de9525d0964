"""Real traffic: every lookup a different resident, against a bare Django page, A/B alternating.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_bench1m python bench/lookup_cold.py
    # 10k vs 1M receipts, in the same rounds:
    python bench/lookup_cold.py --compare postgres://postgres@127.0.0.1:5432/ektp_bench10k

Real traffic is distinct residents, each looking up their own number once or a few times, so
almost every request misses the per-worker lookup cache (portal/lookup_cache.py), which stays
on as in production. This benchmark draws ``--pool`` (300,000) real receipt numbers from the
database and has wrk request a random one of them per request, for ``/cek/?nomor=`` and the
API ``/api/v1/receipts/<n>/``, and for the bare page (bench/urls.py: one indexed query, a
one-line template) with the same random numbers. With 3 workers keeping at most
``LOOKUP_CACHE_ENTRIES`` bodies each, a request finds its number kept with a probability of
at most entries / pool (1.7 % at 5,000 / 300,000); the script prints that bound.

The hot row is the other extreme, what bench/lookup.py measures: one number repeated, so every
request after the first per worker is served from the cache (one stamp query).

gunicorn runs with the production configuration (disdukcapil/gunicorn.conf.py, DEBUG off, all
middleware, Redis cache, sync workers; ``--workers`` 3 by default, as bench/lookup.py was
measured with); wrk with 32 connections and 2 threads. Each round measures the bare page
and every target once, in an order reversed every other round; the ratios (requests/s and
p99 against the bare page) are per round, then their median. Every result line carries the
1-minute load average, and the CPU time per request of the gunicorn workers and of the
PostgreSQL backends of the database (from /proc, before and after each side; only this
benchmark uses its database): far steadier than requests/s on a machine others load. Any non-2xx answer (a 404 from a wrong pool, a 429 from the rate
limiter) or socket error is printed and makes the script exit 1: the figures would be wrong.

With ``--compare URL`` a second gunicorn serves the other database on ``--port + 1`` and
each round measures both, so the two sizes see the same machine load. Both then draw their
pool from as many numbers as the smaller database has (10,000 at most for 10k receipts), and
``LOOKUP_CACHE_ENTRIES`` is scaled down by the same factor (5,000 x 10,000 / 300,000 = 166),
so that a request is as likely to miss the cache as with the full pool; ``--entries`` sets it.

With ``--baseline DIR`` (another checkout, e.g. ``git worktree add --detach ../base main``) the
second gunicorn runs that code on the same database, and each round measures both: a change
against main, under the same load.
"""

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_env  # noqa: E402
from bench.lookup import TARGETS, run_wrk, stop_gunicorn  # noqa: E402

PYTHON = sys.executable

# Reads the numbers from a file (a table constructor of 300,000 strings is too large for
# LuaJIT), one per line; each wrk thread seeds its own generator.
LUA = """
local path, prefix, suffix = "%(path)s", "%(prefix)s", "%(suffix)s"
local numbers = {}
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(path) do numbers[#numbers + 1] = line end
  math.randomseed(os.time() * 100 + id)
end
request = function()
  return wrk.format("GET", prefix .. numbers[math.random(#numbers)] .. suffix)
end
"""


@contextlib.contextmanager
def _cursor(database_url: str):
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def sample_numbers(database_url: str, count: int, seed: float = 0.19) -> tuple[list[str], int]:
    """``count`` real receipt numbers drawn at random (repeatably), and the table's size."""
    with _cursor(database_url) as cur:
        cur.execute("SELECT count(*) FROM receipts_receipt")
        total = cur.fetchone()[0]
        if not total:
            sys.exit(f"No receipts in {database_url}: run bench/seed_scale.py first.")
        cur.execute("SELECT setseed(%s)", [seed])
        cur.execute("SELECT number FROM receipts_receipt ORDER BY random() LIMIT %s", [count])
        rows = cur.fetchall()
    return [row[0] for row in rows], total


def count_statuses(database_url: str, numbers: list[str]) -> dict[str, int]:
    with _cursor(database_url) as cur:
        cur.execute(
            "SELECT status, count(*) FROM receipts_receipt WHERE number = ANY(%s)"
            " GROUP BY status ORDER BY 2 DESC",
            [numbers],
        )
        return dict(cur.fetchall())


@dataclass
class Server:
    label: str  # "1M", "10k"; "base" and "this" with --baseline
    database_url: str
    port: int
    numbers: list[str]
    total: int
    root: Path = ROOT  # the code it runs
    proc: object = None
    scripts: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def write_script(directory: Path, name: str, target: str, numbers: list[str]) -> Path:
    prefix, suffix = TARGETS[target].split("{n}")
    listing = directory / f"{name}.txt"
    listing.write_text("\n".join(numbers) + "\n")
    script = directory / f"{name}.lua"
    script.write_text(LUA % {"path": listing, "prefix": prefix, "suffix": suffix})
    return script


def start_server(server: Server, args) -> subprocess.Popen:
    """gunicorn of ``server.root`` (its own virtualenv when it has one) with the production
    configuration, as bench/lookup.py starts it."""
    venv = server.root / ".venv" / "bin"
    python = str(venv / "python") if venv.is_dir() else PYTHON
    gunicorn = str(venv / "gunicorn") if venv.is_dir() else str(Path(PYTHON).with_name("gunicorn"))
    env = bench_env(server.database_url, args.entries)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=server.root,
        env=env,
        check=True,
    )
    cmd = [
        gunicorn,
        "--config",
        str(server.root / "disdukcapil" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{server.port}",
        "--workers",
        str(args.workers),
        "disdukcapil.wsgi",
    ]
    log_path = Path(args.log_dir) / f"bench-cold-gunicorn-{server.port}.log"
    print(f"  {server.label}: {' '.join(cmd)}  (in {server.root}; log {log_path})")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=server.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            urllib.request.urlopen(f"{server.base}/healthz", timeout=2)  # noqa: S310 (loopback)
            return proc
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(proc)
    sys.exit(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def check_answers(server: Server, targets: list[str], sample: int) -> None:
    """``sample`` random numbers of the pool answer 200 on every target (not 404, not 429)."""

    def status(url):
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (loopback)
                resp.read()
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    for target in ["bare", *targets]:
        urls = [server.base + TARGETS[target].format(n=n) for n in server.numbers[:sample]]
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(status, urls))
        bad = [(url, s) for url, s in zip(urls, statuses, strict=True) if s != 200]
        print(f"  check {server.label} {target}: {len(urls) - len(bad)}/{len(urls)} answered 200")
        if bad:
            sys.exit(f"{bad[0][0]} answered {bad[0][1]}; fix the set-up before benchmarking.")


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def server_cpu(server: Server) -> dict[int, float]:
    """CPU seconds used so far by the server's gunicorn workers and by the PostgreSQL
    backends connected to its database (only this benchmark uses it): what one request
    costs the machine, much steadier under other load than requests/s. By process id: a
    backend that ends in between (``DB_CONN_MAX_AGE``) takes its time with it."""
    dbname = server.database_url.rsplit("/", 1)[1].split("?")[0]
    total = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == server.proc.pid or (
            cmdline.startswith("postgres:") and f" {dbname} " in cmdline
        ):
            total[int(entry.name)] = _cpu_seconds(int(entry.name))
    return total


def cpu_ms(before: dict[int, float], after: dict[int, float], requests: float) -> float:
    used = sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())
    return used * 1000 / max(1.0, requests)


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def fmt(r: dict) -> str:
    text = (
        f"{r['rps']:8.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
        f"  cpu {r['cpu_ms']:5.2f} ms/req  {r['load']}"
    )
    if r["non2xx"]:
        text += f"  NON-2xx {r['non2xx']}"
    if r["socket_errors"]:
        text += f"  SOCKETS {r['socket_errors']}"
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8650)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per side per round")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per side")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--pool", type=int, default=300_000, help="distinct numbers drawn")
    parser.add_argument("--targets", default="cek,api", help="comma-separated: cek, api")
    parser.add_argument(
        "--no-hot", action="store_true", help="leave out the hot row (one number repeated)"
    )
    parser.add_argument(
        "--compare", metavar="URL", help="a second database (e.g. 10k receipts) in the same rounds"
    )
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="another checkout (e.g. a worktree of main) served on --port + 1 from the same"
        " database in the same rounds: this code against that one",
    )
    parser.add_argument(
        "--entries",
        type=int,
        help="LOOKUP_CACHE_ENTRIES (default: production's; scaled with --compare)",
    )
    parser.add_argument("--check", type=int, default=50, help="numbers checked for a 200 first")
    parser.add_argument("--log-dir", default=tempfile.gettempdir())
    args = parser.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    main_url = os.environ.get("DATABASE_URL", "")
    if not main_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... : the benchmark measures PostgreSQL.")

    if args.baseline and args.compare:
        sys.exit("--baseline and --compare: one at a time")
    urls = [main_url] + ([args.compare] if args.compare else [])
    pool = args.pool
    if args.compare:
        pool = min([pool, *(sample_numbers(url, 0)[1] for url in urls)])
        if args.entries is None:
            args.entries = max(1, round(5000 * pool / args.pool))
    servers = []
    for i, url in enumerate(urls):
        numbers, total = sample_numbers(url, pool)
        label = f"{total // 1000}k" if total < 1_000_000 else f"{total / 1e6:g}M"
        servers.append(Server(label, url, args.port + i, numbers, total))
        shares = ", ".join(
            f"{s} {n / len(numbers):.0%}" for s, n in count_statuses(url, numbers).items()
        )
        print(f"{label}: {total:,} receipts; pool of {len(numbers):,} numbers ({shares})")
    if args.baseline:
        servers[0].label = "this"
        base = Server("base", main_url, args.port + 1, servers[0].numbers, servers[0].total)
        base.root = Path(args.baseline).resolve()
        servers.insert(0, base)
        print(f"this: {ROOT} (port {args.port}); base: {base.root} (port {base.port})")

    env = bench_env(main_url, args.entries)
    probe = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            " print(s.LOOKUP_CACHE_SECONDS, s.CACHES['lookup']['OPTIONS']['MAX_ENTRIES'],"
            " len(s.MIDDLEWARE))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    seconds, entries, middleware = (int(x) for x in probe)
    print(
        f"lookup cache: LOOKUP_CACHE_SECONDS={seconds}, {entries:,} entries per worker x"
        f" {args.workers} workers; a cold request finds its number kept with p <="
        f" {min(1.0, entries / pool):.1%}"
        f"; {middleware} middleware; rate limit on, 127.0.0.1 exempt"
    )

    # The sides of a round: (server, name), name "bare", "cek", "api", "cek-hot", "api-hot".
    names = ["bare", *targets] + ([] if args.no_hot else [f"{t}-hot" for t in targets])
    sides = [(server, name) for server in servers for name in names]
    results: dict[tuple[str, str], list[dict]] = {(s.label, n): [] for s, n in sides}
    workdir = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    failed = False
    try:
        for server in servers:
            server.proc = start_server(server, args)
            hot = server.numbers[:1]
            for name in names:
                target = name.removesuffix("-hot")
                pool = hot if name.endswith("-hot") else server.numbers
                server.scripts[name] = write_script(workdir, f"{server.label}-{name}", target, pool)
            check_answers(server, targets, args.check)
        wrk = {"connections": args.connections, "threads": args.wrk_threads}
        for server, name in sides:
            cpu = server_cpu(server)
            r = run_wrk(server.base, server.scripts[name], duration=args.warmup, **wrk)
            r["cpu_ms"] = cpu_ms(cpu, server_cpu(server), r["rps"] * args.warmup)
            r["load"] = load()
            print(f"  warm-up {server.label:>4} {name:<8} {fmt(r)}", flush=True)
        for round_no in range(1, args.rounds + 1):
            order = sides if round_no % 2 else sides[::-1]
            for server, name in order:
                cpu = server_cpu(server)
                r = run_wrk(server.base, server.scripts[name], duration=args.duration, **wrk)
                r["cpu_ms"] = cpu_ms(cpu, server_cpu(server), r["rps"] * args.duration)
                r["load"] = load()
                failed |= bool(r["non2xx"] or r["socket_errors"])
                results[(server.label, name)].append(r)
                print(f"round {round_no} {server.label:>4} {name:<8} {fmt(r)}", flush=True)
    finally:
        for server in servers:
            if server.proc is not None:
                stop_gunicorn(server.proc)
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\n{args.rounds} rounds x {args.duration} s per side, {args.connections} connections,"
        f" {args.wrk_threads} wrk threads, {args.workers} sync workers; ratios per round against"
        " the bare page of the same round, then their median:"
    )
    print(
        f"  {'db':>4} {'side':<8} {'req/s':>8} {'x bare':>7}   {'p50':>6} {'p99':>7}"
        f" {'p99 x bare':>10} {'cpu ms':>7} {'x bare':>6}   per-round req/s ratios"
    )
    for server in servers:
        bare = results[(server.label, "bare")]
        for name in names:
            rows = results[(server.label, name)]
            ratios = [r["rps"] / b["rps"] for r, b in zip(rows, bare, strict=True)]
            p99s = [r["p99"] / b["p99"] for r, b in zip(rows, bare, strict=True)]
            cpus = [r["cpu_ms"] / b["cpu_ms"] for r, b in zip(rows, bare, strict=True)]
            print(
                f"  {server.label:>4} {name:<8} {statistics.median(r['rps'] for r in rows):8.1f}"
                f" {statistics.median(ratios):7.2f}   {statistics.median(r['p50'] for r in rows):6.1f}"
                f" {statistics.median(r['p99'] for r in rows):7.1f}"
                f" {statistics.median(p99s):10.2f}"
                f" {statistics.median(r['cpu_ms'] for r in rows):7.2f}"
                f" {statistics.median(cpus):6.2f}   {' '.join(f'{x:.2f}' for x in ratios)}"
            )
    if args.baseline:
        base, this = servers
        for name in names:
            pairs = list(zip(results[("this", name)], results[("base", name)], strict=True))
            ratios = [t["rps"] / b["rps"] for t, b in pairs]
            cpus = [t["cpu_ms"] / b["cpu_ms"] for t, b in pairs]
            print(
                f"  {name:<8} this / base req/s: median of per-round ratios"
                f" {statistics.median(ratios):.2f} ({' '.join(f'{x:.2f}' for x in ratios)});"
                f" CPU per request {statistics.median(cpus):.2f}"
                f" ({' '.join(f'{x:.2f}' for x in cpus)})"
            )
    elif len(servers) == 2:
        small, large = sorted(servers, key=lambda s: s.total)
        for name in names[1:]:
            ratios = [
                lg["rps"] / sm["rps"]
                for lg, sm in zip(
                    results[(large.label, name)], results[(small.label, name)], strict=True
                )
            ]
            print(
                f"  {name:<8} {large.label} / {small.label} req/s: median of per-round ratios"
                f" {statistics.median(ratios):.2f}"
            )
    print(f"  {load()} at the end")
    if failed:
        sys.exit("Some answers were not 2xx (or sockets failed): these figures are not valid.")


if __name__ == "__main__":
    main()
