"""CSV exports for Disdukcapil staff: the print list of a run and receipts by status/kecamatan.

Format (docs/import-format.md, "Ekspor"): UTF-8 with a BOM and semicolons, so that Excel with
Indonesian regional settings opens it in columns directly; times in WITA, ``YYYY-MM-DD HH:MM``.
Rows come from a server-side cursor (``iterator(chunk_size=...)``) and leave as pieces of
about 64 KiB (``csv_pieces``): memory stays flat for 500,000 rows, each export is one query
whatever the number of rows, and the response is a few hundred writes, not one per row.

An export of receipts with more than EXPORT_DIRECT_MAX_ROWS rows is not sent inside the
request (the whole-city ``ready`` list takes longer than gunicorn's 30 s timeout to send on a
slow link): the page offers to prepare the file on the task worker instead
(distribution/export_jobs.py, views in distribution/views_exports.py).
"""

import dataclasses
import itertools
import re

from django.conf import settings
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from disdukcapil.errors import ApplicationError
from disdukcapil.spreadsheet import csv_pieces
from distribution.access import staff_page
from distribution.models import Card, ExportJob, PrintRun
from receipts.models import Kecamatan, Receipt, Status

CHUNK_SIZE = 2000
# The permissions of the receipts export, its job pages and its download.
RECEIPTS_PERMISSIONS = ("receipts.view_receipt", "receipts.view_resident")
RECEIPTS_HEADER = [
    "nomor_resi",
    "status",
    "keterangan_status",
    "kecamatan",
    "kelurahan",
    "waktu_rekam",
    "status_berubah",
]

_SLUG_RE = re.compile(r"\A[-a-zA-Z0-9_]{1,50}\Z")


class ExportFilterError(ApplicationError):
    default_code = "bad_export_filter"


def csv_response(filename: str, pieces) -> StreamingHttpResponse:
    response = StreamingHttpResponse(pieces, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def local_minute_formatter():
    """A function writing an aware datetime as WITA ``YYYY-MM-DD HH:MM`` ("" for None).

    The time zone is looked up once: ``timezone.localtime(v).strftime(...)`` per value was
    about 28 µs, this about 7 µs (bench/export_stream.py), for the same text.
    """
    zone = timezone.get_current_timezone()

    def local(value) -> str:
        return value.astimezone(zone).isoformat(" ", "minutes")[:16] if value else ""

    return local


@dataclasses.dataclass
class ReceiptExport:
    """The receipts of ``?status=`` and ``?kecamatan=`` (both optional), in number order."""

    status: str
    kecamatan: Kecamatan | None

    @property
    def filters(self) -> dict:
        return {"status": self.status, "kecamatan": self.kecamatan.slug if self.kecamatan else ""}

    @property
    def file_name(self) -> str:
        slug = self.kecamatan.slug if self.kecamatan else "semua-kecamatan"
        return "-".join(["resi", self.status or "semua", slug]) + ".csv"

    def queryset(self):
        receipts = Receipt.objects.all()
        if self.status:
            receipts = receipts.filter(status=self.status)
        if self.kecamatan:
            receipts = receipts.filter(collection_kecamatan=self.kecamatan)
        return receipts

    def raw_rows(self):
        """The query's rows as the database gives them (one server-side cursor)."""
        return (
            self.queryset()
            .order_by("number")
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

    def rows(self, raw=None):
        """The CSV rows (after the header) of ``raw`` (default: the whole query)."""
        labels = dict(Status.choices)
        local = local_minute_formatter()
        for number, code, kec, kel, recorded, changed in self.raw_rows() if raw is None else raw:
            yield number, code, labels.get(code, code), kec, kel, local(recorded), local(changed)


def receipt_export(*, status: str = "", kecamatan: str = "") -> ReceiptExport:
    """The export of these filters; ExportFilterError (a 400) for an unknown one."""
    status, slug = (status or "").strip(), (kecamatan or "").strip()
    if status and status not in Status.values:
        raise ExportFilterError(
            _("Status tidak dikenal: %(status)s. Pilihan: %(choices)s.")
            % {"status": _shown(status), "choices": ", ".join(Status.values)}
        )
    place = None
    if slug:
        # Only a slug-shaped value reaches the database (PostgreSQL refuses NUL with a 500).
        place = Kecamatan.objects.filter(slug=slug).first() if _SLUG_RE.match(slug) else None
        if place is None:
            raise ExportFilterError(
                _("Kecamatan tidak dikenal: %(slug)s.") % {"slug": _shown(slug)}
            )
    return ReceiptExport(status=status, kecamatan=place)


def _shown(value: str, limit: int = 60) -> str:
    """``value`` as the refusal may echo it: control characters written out (a NUL showed as a
    replacement character, a U+202E turned the message around), at most ``limit`` of them."""
    text = "".join(
        ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
        for ch in value[:limit]
    )
    return text + ("…" if len(value) > limit else "")


def bad_filter(error: ExportFilterError):
    return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")


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
    return csv_response(f"daftar-cetak-{run.pk}.csv", csv_pieces(header, rows))


@require_GET
@staff_page(*RECEIPTS_PERMISSIONS)
def receipts_by_status(request):
    """Receipts, optionally filtered by ``?status=<code>`` and ``?kecamatan=<slug>``.

    Up to EXPORT_DIRECT_MAX_ROWS rows: the CSV itself. More: a page offering to prepare the
    file on the task worker (a POST, so that a link or a prefetch never starts a job).
    """
    try:
        export = receipt_export(
            status=request.GET.get("status", ""), kecamatan=request.GET.get("kecamatan", "")
        )
    except ExportFilterError as error:
        return bad_filter(error)
    limit = settings.EXPORT_DIRECT_MAX_ROWS
    raw = export.raw_rows()
    # The first rows decide, in the export's own query (no COUNT first): up to the limit
    # they are sent as they are, beyond it the cursor is closed and nothing is sent.
    # A limit of 0 sends every export directly (benchmarks, a site behind a long timeout).
    head = list(itertools.islice(raw, limit + 1)) if limit > 0 else []
    if limit > 0 and len(head) > limit:
        raw.close()
        recent = (
            ExportJob.objects.filter(requested_by=request.user, filters=export.filters)
            .exclude(status=ExportJob.Status.FAILED)
            .first()
        )
        context = {
            "export": export,
            "limit": limit,
            "recent": recent,
        }
        return render(request, "distribution/export_big.html", context)
    rows = export.rows(itertools.chain(head, raw))
    return csv_response(export.file_name, csv_pieces(RECEIPTS_HEADER, rows))
