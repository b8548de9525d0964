"""CPU cost per request of the app and of PostgreSQL, for the sizing in docs/scaling.md.

On a shared, loaded machine wall-clock rates say more about the neighbours than about the
code, so this measures CPU seconds: the app process's own (time.process_time) and the
PostgreSQL backend's (utime + stime of its pid in /proc), for

- a cold public lookup (/cek/ and the API, each number once: the lookup cache never hits),
- a counter hand-over (the clerk opens the card page, then submits it),
- the single primary's write ceiling: hand-over transactions from several threads at once,
  wall-clock (that is what saturates), with the load average beside it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5433/ektp_deploy python bench/per_core.py

It writes hand-overs into that database (ready receipts become collected): run it on a demo
or scratch database, never on production.
"""

import os
import re
import sys
import threading
import time

from common import setup_django

TICKS = os.sysconf("SC_CLK_TCK")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main():
    os.environ.setdefault("LOOKUP_CACHE_SECONDS", "600")
    setup_django()
    from django.db import connection
    from django.test import Client

    from distribution.models import Officer
    from distribution.services import handover_record
    from receipts.models import Receipt, Status

    def pg_pid():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def measure(label, n, one):
        pid = pg_pid()
        app0, db0, wall0 = time.process_time(), backend_cpu(pid), time.perf_counter()
        for i in range(n):
            one(i)
        app, db = time.process_time() - app0, backend_cpu(pid) - db0
        wall = time.perf_counter() - wall0
        per = (app + db) / n
        print(
            f"{label:<34} n={n:<5} app {1000 * app / n:6.2f} ms CPU  db {1000 * db / n:6.2f} ms CPU"
            f"  = {1 / per:6.0f} per core-second   (wall {1000 * wall / n:6.1f} ms)"
        )
        return per

    client = Client()
    numbers = list(Receipt.objects.order_by("?").values_list("number", flat=True)[:1200])
    client.get("/cek/", {"nomor": numbers.pop()})  # templates compiled, connection open
    measure("cold lookup /cek/", 400, lambda i: client.get("/cek/", {"nomor": numbers.pop()}))
    measure(
        "cold lookup /api/v1/receipts/",
        400,
        lambda i: client.get(f"/api/v1/receipts/{numbers.pop()}/"),
    )

    officer = Officer.objects.select_related("user", "kecamatan").get(
        user__username="loket.selatan"
    )
    clerk = Client()
    clerk.force_login(officer.user)
    ready = list(
        Receipt.objects.filter(status=Status.READY, collection_kecamatan=officer.kecamatan)
        .order_by("?")
        .values_list("number", flat=True)[:300]
    )
    if len(ready) < 200:
        sys.exit("fewer than 200 ready receipts at Selatan: seed a fresh demo database")

    def hand_over(i):
        number = ready.pop()
        page = clerk.get(f"/loket/resi/{number}/").content.decode()
        response = clerk.post(
            f"/loket/resi/{number}/",
            {
                "collected_by": "resident",
                "identity_check": "face",
                "csrfmiddlewaretoken": TOKEN.search(page)[1],
            },
        )
        assert response.status_code == 302, response.status_code

    measure("counter hand-over (GET + POST)", 100, hand_over)

    # The write ceiling of the single primary: the hand-over service alone, 4 threads.
    from django.db import connections

    officers = list(Officer.objects.select_related("user", "kecamatan").filter(role="clerk"))
    queues = {
        o.pk: list(
            Receipt.objects.filter(status=Status.READY, collection_kecamatan=o.kecamatan).order_by(
                "?"
            )[:2000]
        )
        for o in officers[:4]
    }
    done, stop = [0], threading.Event()
    lock = threading.Lock()

    def writer(officer):
        try:
            for receipt in queues[officer.pk]:
                if stop.is_set():
                    return
                handover_record(
                    receipt=receipt,
                    actor=officer.user,
                    collected_by="resident",
                    identity_check="face",
                )
                with lock:
                    done[0] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(o,)) for o in officers[:4]]
    start = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(15)
    stop.set()
    for t in threads:
        t.join()
    secs = time.perf_counter() - start
    print(
        f"hand-over service, 4 threads       {done[0]} in {secs:.1f} s = {done[0] / secs:.0f} "
        f"hand-overs/s (one Python process: the GIL, not PostgreSQL, is the ceiling)"
    )
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
