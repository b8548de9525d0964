"""The admin upload page for the bulk import: /admin/receipts/import/ (URL name receipts_import).

The same importer as ``manage.py import_receipts``, run on the task worker (receipts/import_jobs.py):
the upload request checks the header, stores the file and answers at once with a redirect to
the job's page, /admin/receipts/import/<id>/, which shows the progress (refreshing itself with
``<meta http-equiv="refresh">``, no JavaScript) and then the report kept in the database. Only
the uploader and superusers see a job; to anyone else it does not exist (404).
"""

import secrets

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from receipts.import_jobs import (
    import_job_create,
    import_job_rejects,
    import_jobs_ahead,
    import_jobs_fail_stale,
)
from receipts.importing import ImportFormatError, check_header
from receipts.models import ImportJob, JobStatus, Receipt

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".txt")
# Seconds between two automatic reloads of a job page that is not finished.
REFRESH_SECONDS = 2


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas CSV"),
        help_text=gettext_lazy(
            "UTF-8 atau ANSI, pemisah titik koma atau koma, paling besar 50 MB. "
            "Kolom dan contoh: lihat panduan di bawah."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Uji coba saja (periksa tanpa menyimpan)"), required=False
    )
    # One per form shown: the same form posted twice is one import (import_job_create).
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                _("Berkas harus berformat CSV (.csv). Dari Excel: Simpan Sebagai → CSV.")
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Berkas kosong."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "Berkas terlalu besar (paling besar 50 MB). Bagi berkas, atau minta "
                    "administrator menjalankan manage.py import_receipts."
                )
            )
        # What the header alone tells is answered now; the rows are the worker's.
        try:
            check_header(upload)
        except ImportFormatError as error:
            raise forms.ValidationError(error.message) from None
        return upload


def _check_permission(request):
    if not request.user.has_perm("receipts.add_receipt"):
        raise PermissionDenied


def _own_job(request, pk: int) -> ImportJob:
    jobs = ImportJob.objects.select_related("uploaded_by")
    if not request.user.is_superuser:
        jobs = jobs.filter(uploaded_by=request.user)
    job = jobs.filter(pk=pk).first()
    if job is None:
        raise Http404(_("Hasil impor tidak ditemukan."))
    return job


def import_view(request):
    """The upload form (GET); POST stores the file, queues the import, redirects to the job."""
    _check_permission(request)
    form = ImportUploadForm(initial={"token": secrets.token_urlsafe(24)})
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job, _created = import_job_create(
                upload=form.cleaned_data["file"],
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                token=form.cleaned_data["token"],
            )
            return redirect(job)
    context = {
        **admin.site.each_context(request),
        "title": _("Impor resi dari CSV"),
        "opts": Receipt._meta,
        "form": form,
        "recent": ImportJob.objects.filter(uploaded_by=request.user).defer("rejects")[:5],
    }
    return TemplateResponse(request, "admin/receipts/import.html", context)


@require_GET
def job_view(request, pk: int):
    """A job's progress while it waits or runs (reloading itself), then its report."""
    _check_permission(request)
    job = _own_job(request, pk)
    if job.status == JobStatus.RUNNING and import_jobs_fail_stale():
        job.refresh_from_db()
    context = {
        **admin.site.each_context(request),
        "title": _("Impor resi dari CSV"),
        "opts": Receipt._meta,
        "job": job,
        "r": job.counts,
        "ahead": import_jobs_ahead(job) if job.status == JobStatus.WAITING else 0,
        "refresh_seconds": 0 if job.finished else REFRESH_SECONDS,
    }
    return TemplateResponse(request, "admin/receipts/import_result.html", context)


@require_GET
def rejects_view(request, pk: int):
    """The rejected rows of a finished job, as CSV."""
    _check_permission(request)
    job = _own_job(request, pk)
    if job.status != JobStatus.DONE or not job.counts.get("rejected"):
        raise Http404(_("Tidak ada baris yang ditolak."))
    response = HttpResponse(import_job_rejects(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="resi-ditolak-{job.pk}.csv"'
    return response
