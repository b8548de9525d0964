"""The page of a big print run created by the task worker: /staf/cetak/tugas/<id>/.

The run form's POST of more than PRINT_RUN_DIRECT_MAX_CARDS cards queues a PrintRunJob
(distribution/print_run_jobs.py) and comes here. While the job waits or runs, the page reloads
itself with ``<meta http-equiv="refresh">`` (no JavaScript); once the run exists it sends the
requester to the run's page with the message the direct path gives; a failed job shows why,
with a link back to the form. Only the account that asked sees the job (anyone else,
superusers included, as for a big export: 404); the permission is the run form's.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from distribution.access import staff_page
from distribution.models import PrintRun, PrintRunJob
from distribution.print_run_jobs import print_run_job_settle

# Seconds between two automatic reloads of a job page that is not finished.
REFRESH_SECONDS = 2


def announce_run(request, run: PrintRun) -> None:
    """The message of a new run, on the direct path and at the end of a job alike."""
    if run.allocated < run.requested:
        messages.warning(
            request,
            _(
                "Proses cetak #%(run)s dibuat dengan %(allocated)s kartu, kurang dari "
                "%(requested)s yang diminta (blanko atau resi tidak cukup)."
            )
            % {"run": run.pk, "allocated": run.allocated, "requested": run.requested},
        )
    else:
        messages.success(
            request,
            _("Proses cetak #%(run)s dibuat dengan %(allocated)s kartu.")
            % {"run": run.pk, "allocated": run.allocated},
        )


@require_safe
@staff_page("distribution.add_printrun")
def run_job(request, pk: int):
    """A big run's job while it waits or runs (reloading itself), then the run itself."""
    job = (
        PrintRunJob.objects.select_related("kecamatan", "print_run")
        .filter(pk=pk, requested_by=request.user)
        .first()
    )
    if job is None:
        raise Http404(_("Tugas proses cetak tidak ditemukan."))
    job = print_run_job_settle(job)
    if job.status == PrintRunJob.Status.DONE:
        announce_run(request, job.print_run)
        return redirect("staf:run_detail", pk=job.print_run_id)
    context = {"job": job, "refresh_seconds": 0 if job.finished else REFRESH_SECONDS}
    return render(request, "distribution/staff_run_job.html", context)
