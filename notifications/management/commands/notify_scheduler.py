"""Enqueue the periodic notification tick every NOTIFY_TICK_SECONDS, until stopped.

The work (reminders, retries due, leases of dead workers) runs in the workers; this loop only
enqueues. Run exactly one per installation (a second one would only enqueue more ticks,
which are harmless: every reminder row is unique, and a tick finding a drain queued adds
none).
"""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from disdukcapil.tasks import has_waiting
from notifications import tasks


class Command(BaseCommand):
    help = "Enqueue the notifications tick periodically (one per installation)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue one tick and exit.")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *, once, interval, **options):
        interval = interval or settings.NOTIFY_TICK_SECONDS
        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"notify_scheduler: a tick every {interval:g} s")
        while self.running:
            if not has_waiting(tasks.tick):
                tasks.tick.enqueue()
            if once:
                return
            deadline = time.monotonic() + interval
            while self.running and time.monotonic() < deadline:
                time.sleep(0.2)
