"""CSV exports for Disdukcapil staff: the print list of a run and receipts by status/kecamatan.

Format (docs/import-format.md, "Ekspor"): UTF-8 with a BOM and semicolons, so that Excel with
Indonesian regional settings opens it in columns directly; times in WITA, ``YYYY-MM-DD HH:MM``.
Rows are streamed (StreamingHttpResponse over ``iterator(chunk_size=...)``): memory stays flat
for 500,000 rows, and each export is one query whatever the number of rows.
"""

import re

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from disdukcapil.spreadsheet import stream_lines
from distribution.access import staff_page
from distribution.models import Card, PrintRun
from receipts.models import Kecamatan, Receipt, Status

CHUNK_SIZE = 2000


_SLUG_RE = re.compile(r"\A[-a-zA-Z0-9_]{1,50}\Z")


def _stream(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stream_lines(header, rows, dialect="staff"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@require_GET
@staff_page("distribution.view_printrun", "distribution.view_card", "receipts.view_resident")
def print_list(request, run_id: int):
    """The cards of a print run in allocation order, for the printing room."""
    run = get_object_or_404(PrintRun, pk=run_id)
    rows = (
        Card.objects.filter(print_run=run)
        .order_by("position", "pk")
        .values_list(
            "position",
            "serial",
            "receipt__number",
            "receipt__resident__full_name",
            "receipt__resident__nik",
            "receipt__resident__kelurahan__name",
            "receipt__collection_kecamatan__name",
            "outcome",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    header = [
        "urutan",
        "nomor_seri_kartu",
        "nomor_resi",
        "nama",
        "nik",
        "kelurahan",
        "kecamatan",
        "hasil_cetak",
    ]
    return _stream(f"daftar-cetak-{run.pk}.csv", header, rows)


@require_GET
@staff_page("receipts.view_receipt", "receipts.view_resident")
def receipts_by_status(request):
    """Receipts, optionally filtered by ``?status=<code>`` and ``?kecamatan=<slug>``."""
    receipts = Receipt.objects.all()
    status = request.GET.get("status", "").strip()
    slug = request.GET.get("kecamatan", "").strip()
    if status:
        if status not in Status.values:
            return HttpResponseBadRequest(
                _("Status tidak dikenal: %(status)s. Pilihan: %(choices)s.")
                % {"status": status, "choices": ", ".join(Status.values)},
                content_type="text/plain; charset=utf-8",
            )
        receipts = receipts.filter(status=status)
    if slug:
        # Only a slug-shaped value reaches the database (PostgreSQL refuses NUL with a 500).
        kecamatan = Kecamatan.objects.filter(slug=slug).first() if _SLUG_RE.match(slug) else None
        if kecamatan is None:
            return HttpResponseBadRequest(
                _("Kecamatan tidak dikenal: %(slug)s.") % {"slug": slug},
                content_type="text/plain; charset=utf-8",
            )
        receipts = receipts.filter(collection_kecamatan=kecamatan)
    labels = dict(Status.choices)
    rows = (
        (number, code, labels.get(code, code), kec, kel, _local(rec), _local(changed))
        for number, code, kec, kel, rec, changed in receipts.order_by("number")
        .values_list(
            "number",
            "status",
            "collection_kecamatan__name",
            "resident__kelurahan__name",
            "recorded_at",
            "status_changed_at",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    header = [
        "nomor_resi",
        "status",
        "keterangan_status",
        "kecamatan",
        "kelurahan",
        "waktu_rekam",
        "status_berubah",
    ]
    name = "-".join(["resi", status or "semua", slug or "semua-kecamatan"]) + ".csv"
    return _stream(name, header, rows)
