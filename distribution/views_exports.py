"""The pages of big staff exports, under /staf/ekspor/tugas/ (distribution/export_jobs.py).

``tugas/``: POST asks for the file (from the page a too-big export shows); GET lists the
account's own export jobs. ``tugas/<id>/``: the job's progress, reloading itself with
``<meta http-equiv="refresh">`` (no JavaScript) until it ends, then the download link.
``tugas/<id>/unduh/``: the file. Only the account that asked for a job sees it and its file;
to anyone else (superusers included: the file holds the same names as the direct export, and
asking again costs them a minute) it does not exist (404). The permissions are the export's.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from distribution import idempotency
from distribution.access import staff_page
from distribution.export_jobs import export_job_create, export_job_pieces, export_jobs_fail_stale
from distribution.exports import (
    RECEIPTS_PERMISSIONS,
    ExportFilterError,
    bad_filter,
    csv_response,
    receipt_export,
)
from distribution.models import ExportJob

# Seconds between two automatic reloads of a job page that is not finished.
REFRESH_SECONDS = 2


def _own_job(request, pk: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk, requested_by=request.user).first()
    if job is None:
        raise Http404(_("Ekspor tidak ditemukan."))
    return job


@require_http_methods(["GET", "POST"])
@staff_page(*RECEIPTS_PERMISSIONS)
def jobs(request):
    """POST: queue the export of the posted filters and go to its page. GET: my exports."""
    if request.method == "POST":
        try:
            token = idempotency.submitted_key(request)
            export = receipt_export(
                status=request.POST.get("status", ""), kecamatan=request.POST.get("kecamatan", "")
            )
        except idempotency.BadToken:
            return idempotency.refused(request)
        except ExportFilterError as error:
            return bad_filter(error)
        job, _created = export_job_create(export=export, actor=request.user, token=token or "")
        return redirect(job)
    context = {
        "jobs": ExportJob.objects.filter(requested_by=request.user)[:20],
        "keep_hours": settings.EXPORT_KEEP_HOURS,
    }
    return render(request, "distribution/export_jobs.html", context)


@require_GET
@staff_page(*RECEIPTS_PERMISSIONS)
def job(request, pk: int):
    """A job's progress while it waits or runs (reloading itself), then its download link."""
    job = _own_job(request, pk)
    if job.status == ExportJob.Status.RUNNING and export_jobs_fail_stale():
        job.refresh_from_db()
    context = {"job": job, "refresh_seconds": 0 if job.finished else REFRESH_SECONDS}
    return render(request, "distribution/export_job.html", context)


@require_GET
@staff_page(*RECEIPTS_PERMISSIONS)
def download(request, pk: int):
    """The file of a finished job (the same bytes the direct download sends)."""
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE:
        raise Http404(_("Berkas ekspor belum siap."))
    response = csv_response(job.file_name, export_job_pieces(job))
    response["Content-Length"] = str(job.size)
    return response
