"""Benchmark: the notifications of an arrival of 20,000 cards, drained by real workers (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ektp_notify python bench/notify.py

On a scratch database (``<name>_bench``, created and dropped here):
1. seeds 20,000 `dispatched` receipts in one dispatch (residents with a phone; 30 % of them
   opted out of WhatsApp so they get SMS; 10 % e-mail only), then times ``dispatch_receive``
   (the clerk's confirmation) and counts its queries: the messages are written in a constant
   number of queries, whatever the size (it is also run for 200 cards to compare);
2. drains with 1 worker process (``manage.py db_worker``) for BENCH_WINDOW seconds, then with
   2 for as long, against the fake provider (HTTP, generic SMS + WhatsApp Cloud shapes, with
   BENCH_PROVIDER_DELAY seconds per request) and a real SMTP server (aiosmtpd): messages/s;
3. drains the rest with 2 workers and the scheduler, ``kill -9``s one worker mid-drain and
   restarts it; then counts at the provider and the SMTP server: lost (a message row not
   delivered), duplicates (delivered twice), and resends the provider folded by key.
Ports: BENCH_PORT (fake provider) and BENCH_PORT + 1 (SMTP); default 8403/8404.
"""

import collections
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disdukcapil.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-for-anything-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ["NOTIFY_QUIET_START_HOUR"] = os.environ["NOTIFY_QUIET_END_HOUR"] = "0"  # no night

CARDS = int(os.environ.get("BENCH_CARDS", "20000"))
WINDOW = float(os.environ.get("BENCH_WINDOW", "20"))
DELAY = float(os.environ.get("BENCH_PROVIDER_DELAY", "0.005"))
PORT = int(os.environ.get("BENCH_PORT", "8403"))
# The kill -9 phase drains this many of the messages left (the rest are set aside, so the
# run stays minutes long on a loaded machine; lost/duplicates are counted over these).
KILL_MESSAGES = int(os.environ.get("BENCH_KILL_MESSAGES", "1500"))
TARGET_SECONDS = 5.0

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a PostgreSQL database (a scratch <name>_bench is used).")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tests.notifications.fakes import FakeProvider, smtp_server  # noqa: E402

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
    settings.DATABASES["default"]["NAME"] + "_bench"
)


def seed(count: int, *, prefix: str, staff):
    """``count`` dispatched cards in one dispatch to the first kecamatan; returns it."""
    from distribution.models import BlankBatch, Card, Dispatch, DispatchItem, PrintRun
    from notifications.models import ChannelOptOut
    from receipts.models import Kecamatan, Kelurahan, Receipt, Resident, Status

    kecamatan, _ = Kecamatan.objects.get_or_create(
        code="64.71.05",
        defaults={
            "name": "Balikpapan Selatan",
            "slug": "selatan",
            "address": "Jl. Marsma R. Iswahyudi No. 1",
            "counter_hours": "Senin-Jumat 08.00-15.00 WITA",
        },
    )
    kelurahan, _ = Kelurahan.objects.get_or_create(
        code="64.71.05.1002", defaults={"name": "Sepinggan", "kecamatan": kecamatan}
    )
    now = datetime.datetime.now(datetime.UTC)
    base = Resident.objects.count()
    residents = Resident.objects.bulk_create(
        [
            Resident(
                nik=f"6471{base + i + 1:012d}",
                full_name=f"Warga {prefix}{i}",
                birth_date=datetime.date(1990, 1, 1),
                sex="L",
                kelurahan=kelurahan,
                phone="" if i % 10 == 9 else f"0812{base + i:08d}",
                email=f"warga{base + i}@example.test" if i % 10 == 9 else "",
            )
            for i in range(count)
        ],
        batch_size=5000,
    )
    ChannelOptOut.objects.bulk_create(
        [
            ChannelOptOut(resident=r, channel="whatsapp", source="bench")
            for i, r in enumerate(residents)
            if i % 10 in (0, 3, 6)
        ],
        batch_size=5000,
    )
    receipts = Receipt.objects.bulk_create(
        [
            Receipt(
                number=f"{prefix}{i:09d}",
                resident=r,
                recorded_at=now - datetime.timedelta(days=400),
                recorded_place="Disdukcapil",
                collection_kecamatan=kecamatan,
                status=Status.DISPATCHED,
                status_changed_at=now,
            )
            for i, r in enumerate(residents)
        ],
        batch_size=5000,
    )
    batch = BlankBatch.objects.create(
        reference=f"BENCH/{prefix}", quantity=count, received_on=now.date(), used=count
    )
    run = PrintRun.objects.create(
        requested=count, allocated=count, cutoff_date=now.date(), created_by=staff
    )
    cards = Card.objects.bulk_create(
        [
            Card(
                serial=f"S{prefix}{i:09d}",
                receipt=receipt,
                print_run=run,
                batch=batch,
                position=i,
                outcome=Card.Outcome.PRINTED,
                printed_at=now,
            )
            for i, receipt in enumerate(receipts)
        ],
        batch_size=5000,
    )
    dispatch = Dispatch.objects.create(kecamatan=kecamatan, sent_by=staff)
    DispatchItem.objects.bulk_create(
        [DispatchItem(dispatch=dispatch, card=card) for card in cards], batch_size=5000
    )
    connection.cursor().execute("ANALYZE")
    return dispatch


def worker_env(provider_url: str, smtp_port: int) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        TASKS_BACKEND="database",
        SMS_BACKEND="http",
        SMS_API_URL=provider_url + "/sms",
        WHATSAPP_BACKEND="cloud",
        WHATSAPP_API_URL=provider_url,
        WHATSAPP_PHONE_NUMBER_ID="1055",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        # Throughput of the workers, not of a provider's contract: limits far above it.
        SMS_RATE_PER_SECOND="10000",
        WHATSAPP_RATE_PER_SECOND="10000",
        EMAIL_RATE_PER_SECOND="10000",
        NOTIFY_CLAIM_SECONDS="5",  # a dead worker's rows come back after 5 s
        NOTIFY_TICK_SECONDS="2",
        NOTIFY_DRAIN_SECONDS="5",  # a drain task re-enqueues itself every 5 s
        LOG_LEVEL="WARNING",
    )
    return env


def start_worker(env):
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*",
               "--interval", "0.2", "--no-startup-delay", "-v", "0"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603


def sent_count():
    from notifications.models import Message

    return Message.objects.filter(state="sent").count()


def drain_for(env, workers: int, seconds: float) -> tuple[int, float]:
    from notifications import tasks

    for _ in range(workers):
        tasks.deliver_due.enqueue()
    before = sent_count()
    procs = [start_worker(env) for _ in range(workers)]
    started = time.perf_counter()
    time.sleep(seconds)
    sent = sent_count() - before  # counted at the end of the window, before stopping
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=60)
    return sent, elapsed


def main():
    from django.contrib.auth import get_user_model
    from django_tasks_db.models import DBTaskResult

    from distribution.services import dispatch_receive
    from notifications.models import Message

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    bench_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"scratch database {bench_name}; load average {os.getloadavg()}")
    provider = FakeProvider(port=PORT, delay=DELAY).__enter__()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller, mailbox = smtp_server(port=PORT + 1)
    controller.start()
    try:
        staff = get_user_model().objects.create(username="bench", is_staff=True, is_superuser=True)
        started = time.perf_counter()
        warm = seed(5, prefix="W", staff=staff)
        small = seed(200, prefix="S", staff=staff)
        big = seed(CARDS, prefix="B", staff=staff)
        print(f"seeded {CARDS + 200:,} dispatched cards in {time.perf_counter() - started:.1f} s")

        dispatch_receive(dispatch=warm, actor=staff)  # first call: permission and other caches
        figures = {}
        for name, dispatch in (("200", small), (f"{CARDS:,}", big)):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                arrived, _missing = dispatch_receive(dispatch=dispatch, actor=staff)
                elapsed = time.perf_counter() - started
            figures[name] = (arrived, elapsed, len(queries.captured_queries))
            print(
                f"dispatch_receive({arrived:,} cards) incl. messages: {elapsed:.2f} s, "
                f"{len(queries.captured_queries)} queries"
            )
        total = Message.objects.count()
        by_channel = dict(
            Message.objects.values_list("channel").annotate(n=django.db.models.Count("id"))
        )
        print(f"messages written: {total:,} {by_channel}")
        big_elapsed = figures[f"{CARDS:,}"][1]
        constant = figures["200"][2] == figures[f"{CARDS:,}"][2]
        print(
            f"constant number of queries: {constant}; "
            f"target < {TARGET_SECONDS:.0f} s: {'OK' if big_elapsed < TARGET_SECONDS else 'TOO SLOW'}"
        )
        DBTaskResult.objects.all().delete()  # the on-commit drains; each phase enqueues its own

        env = worker_env(provider.url, controller.port)
        for workers in (1, 2):
            sent, elapsed = drain_for(env, workers, WINDOW)
            print(
                f"{workers} worker(s): {sent:,} messages in {elapsed:.1f} s = {sent / elapsed:.0f}/s"
            )

        # Kill -9 one of two workers mid-drain, restart it; the scheduler re-enqueues.
        from notifications import tasks

        keep = list(
            Message.objects.filter(state="pending")
            .order_by("pk")
            .values_list("pk", flat=True)[:KILL_MESSAGES]
        )
        aside = (
            Message.objects.filter(state="pending")
            .exclude(pk__in=keep)
            .update(state="skipped", error="bench: set aside")
        )
        print(f"kill phase drains {len(keep):,} messages ({aside:,} set aside)")

        for _ in range(2):
            tasks.deliver_due.enqueue()
        scheduler = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "notify_scheduler"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        victim, other = start_worker(env), start_worker(env)
        # Kill once both workers hold claimed rows (their startup takes seconds on a busy box).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            holders = Message.objects.filter(state="sending").values("claim_token").distinct()
            if holders.count() >= 2 and sent_count() > 0:
                break
            time.sleep(0.2)
        time.sleep(1)
        in_flight = Message.objects.filter(state="sending").count()
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        print(f"kill -9 worker {victim.pid} with {in_flight} messages claimed (sending)")
        time.sleep(1)
        restarted = start_worker(env)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if not Message.objects.exclude(state__in=["sent", "failed", "skipped"]).exists():
                break
            time.sleep(1)
        for proc in (other, restarted, scheduler):
            proc.send_signal(signal.SIGTERM)
        for proc in (other, restarted, scheduler):
            proc.wait(timeout=60)

        states = dict(Message.objects.values_list("state").annotate(n=django.db.models.Count("id")))
        print(f"final states: {states}")
        keys_by_channel = collections.defaultdict(set)
        for channel, key in Message.objects.exclude(state="skipped").values_list(
            "channel", "idempotency_key"
        ):
            keys_by_channel[channel].add(str(key))
        requests_by_key = collections.Counter(r["key"] for r in provider.requests)
        for channel in ("whatsapp", "sms"):
            keys = keys_by_channel[channel]
            lost = sum(1 for k in keys if k not in provider.accepted)
            duplicates = sum(provider.delivered[k] - 1 for k in keys if provider.delivered[k] > 1)
            folded = sum(requests_by_key[k] - 1 for k in keys if requests_by_key[k] > 1)
            print(
                f"{channel}: {len(keys):,} messages, lost {lost}, duplicates {duplicates}, "
                f"resends folded by the provider's idempotency key {folded}"
            )
        ids = collections.Counter()
        for received in mailbox.messages:
            for line in received["data"].splitlines():
                if line.lower().startswith("message-id:"):
                    ids[line.split(":", 1)[1].strip().strip("<>").split("@")[0]] += 1
        email_keys = keys_by_channel["email"]
        lost = sum(1 for k in email_keys if k not in ids)
        duplicates = sum(n - 1 for n in ids.values() if n > 1)
        print(f"email: {len(email_keys):,} messages, lost {lost}, duplicates {duplicates}")
        print(f"load average {os.getloadavg()}")
    finally:
        controller.stop()
        provider.__exit__(None, None, None)
        connection.close()
        creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        print(f"dropped {bench_name}")


if __name__ == "__main__":
    main()
