"""Delete big-export jobs and their files older than EXPORT_KEEP_HOURS (the prune timer).

Run daily by deploy/systemd/ektp-prune-tasks.service; also marks export jobs whose worker
died (heartbeat older than EXPORT_STALE_SECONDS) as failed, so none stays "running".
"""

from django.core.management.base import BaseCommand

from distribution.export_jobs import export_jobs_fail_stale, export_jobs_prune


class Command(BaseCommand):
    help = "Hapus ekspor besar (dan berkasnya) yang lebih tua dari EXPORT_KEEP_HOURS."

    def handle(self, *args, **options):
        stale = export_jobs_fail_stale()
        deleted = export_jobs_prune()
        self.stdout.write(f"ekspor terhenti ditandai gagal: {stale}, ekspor dihapus: {deleted}")
