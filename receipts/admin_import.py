"""The admin upload page for the bulk import: /admin/receipts/import/ (URL name receipts_import).

The same importer as ``manage.py import_receipts``. After an upload the summary and the
rejected rows (a CSV, compressed) are kept in the cache for an hour under a random token tied
to the user, so the summary page and the download link work after the redirect (post/redirect/
get) and from any worker.
"""

import io
import secrets
import zlib

from django import forms
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disdukcapil.spreadsheet import SafeWriter
from receipts.importing import ImportFormatError, import_receipts
from receipts.models import Receipt

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
RESULT_TTL = 60 * 60
ALLOWED_SUFFIXES = (".csv", ".txt")


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
        return upload


def _cache_key(token: str, user) -> str:
    return f"receipts-import:{user.pk}:{token}"


def import_upload_run(*, upload, actor, dry_run: bool) -> str:
    """Import an uploaded file; keep its summary and rejects report; return the token."""
    compressor = zlib.compressobj()
    chunks = []
    text = io.StringIO()
    writer = SafeWriter(text, dialect="staff")

    def flush():
        chunks.append(compressor.compress(text.getvalue().encode("utf-8")))
        text.seek(0)
        text.truncate()

    def on_header(header):
        text.write("\ufeff")
        writer.writerow([_("baris"), _("alasan"), *header])

    def on_reject(reject):
        row_no, reason, cells = reject
        writer.writerow([row_no, reason, *cells])
        if text.tell() > 65536:
            flush()

    upload.seek(0)
    result = import_receipts(
        upload.file, actor=actor, dry_run=dry_run, on_reject=on_reject, on_header=on_header
    )
    flush()
    chunks.append(compressor.flush())
    token = secrets.token_urlsafe(16)
    cache.set(
        _cache_key(token, actor),
        {"result": result.as_dict(), "name": upload.name, "rejects": b"".join(chunks)},
        RESULT_TTL,
    )
    return token


def import_view(request):
    """Upload form (GET/POST), summary (?hasil=<token>) and rejects download (?unduh=<token>)."""
    if not request.user.has_perm("receipts.add_receipt"):
        raise PermissionDenied
    if token := request.GET.get("unduh"):
        return _download_rejects(request, token)
    stored = None
    if token := request.GET.get("hasil"):
        stored = cache.get(_cache_key(token, request.user))
        if stored is None:
            raise Http404(_("Hasil impor tidak ditemukan atau sudah kedaluwarsa."))
    form = ImportUploadForm()
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                token = import_upload_run(
                    upload=form.cleaned_data["file"],
                    actor=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ImportFormatError as error:
                form.add_error("file", error.message)
            except DatabaseError:
                # e.g. another import created the same receipt meanwhile: nothing was saved.
                form.add_error(
                    "file",
                    _(
                        "Impor gagal dan tidak ada yang disimpan (data berubah bersamaan). Coba lagi."
                    ),
                )
            else:
                return redirect(reverse("receipts_import") + "?hasil=" + token)
    context = {
        **admin.site.each_context(request),
        "title": _("Impor resi dari CSV"),
        "opts": Receipt._meta,
        "form": form,
        "stored": stored,
        "token": request.GET.get("hasil", ""),
    }
    template = "admin/receipts/import_result.html" if stored else "admin/receipts/import.html"
    return TemplateResponse(request, template, context)


def _download_rejects(request, token):
    stored = cache.get(_cache_key(token, request.user))
    if stored is None:
        raise Http404(_("Hasil impor tidak ditemukan atau sudah kedaluwarsa."))
    response = HttpResponse(
        zlib.decompress(stored["rejects"]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="resi-ditolak.csv"'
    return response
