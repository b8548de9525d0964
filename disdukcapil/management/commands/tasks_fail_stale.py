"""Mark the task rows of dead workers FAILED (disdukcapil.tasks.tasks_fail_stale).

django-tasks-db leaves a task RUNNING for ever when its worker is killed mid-task. Run on the
daily prune timer (deploy/systemd/ektp-prune-tasks.service), or by hand after a crash.
"""

from django.core.management.base import BaseCommand

from disdukcapil.tasks import tasks_fail_stale


class Command(BaseCommand):
    help = "Tandai gagal tugas latar belakang yang pekerjanya sudah berhenti (status RUNNING)."

    def handle(self, *args, **options):
        self.stdout.write(f"tugas ditandai gagal: {tasks_fail_stale()}")
