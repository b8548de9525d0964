"""``manage.py import_receipts FILE [--dry-run] [--rejects OUT.csv]``: bulk import of receipts."""

import contextlib
import signal
import sys
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from disdukcapil.spreadsheet import SafeWriter
from receipts.importing import (
    ImportFormatError,
    default_workers,
    import_receipts,
    write_rejects_csv,
)


class Terminated(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error to catch
    """SIGTERM arrived: unwinds the import as Ctrl-C would (a BaseException, so that no
    ``except Exception`` on the way swallows it)."""


@contextlib.contextmanager
def _sigterm_unwinds():
    """SIGTERM raises Terminated in the main thread: the validation workers are stopped, the
    transaction rolls back and the import lock is released before the process exits (issue
    16.13). By default SIGTERM ends Python without running any of that."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    help = _(
        "Impor penduduk dan resi dari berkas CSV (format: docs/import-format.md). "
        "Aman diulang: berkas yang sama tidak mengubah apa pun."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("berkas CSV (UTF-8, pemisah ; atau ,)"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("periksa dan hitung saja, lalu batalkan semua perubahan"),
        )
        parser.add_argument(
            "--rejects",
            metavar="OUT.csv",
            help=_("tulis baris yang ditolak (nomor baris, alasan, isi asli) ke berkas ini"),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            metavar="N",
            help=_(
                "jumlah proses pemeriksa baris (bawaan: %(default)s; 1 = tanpa proses tambahan)"
            ),
        )

    def handle(self, *args, file, dry_run, rejects, workers, **options):
        if workers < 1:
            raise CommandError(_("--workers harus 1 atau lebih."))
        try:
            source = open(file, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as error:
            raise CommandError(
                _("Berkas tidak dapat dibuka: %(file)s (%(error)s).")
                % {"file": file, "error": error.strerror}
            ) from None
        rejects_out = None
        shown = []
        progress = self._progress if sys.stderr.isatty() and options["verbosity"] > 0 else None

        def on_reject(reject):
            if rejects_out is not None:
                writer.writerow([reject[0], reject[1], *reject[2]])
            if len(shown) < 20:
                shown.append(reject)

        try:
            if rejects:
                rejects_out = open(rejects, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
                writer = SafeWriter(rejects_out, dialect="staff")
            with _sigterm_unwinds():
                result = import_receipts(
                    source,
                    dry_run=dry_run,
                    on_reject=on_reject if (rejects or options["verbosity"] > 0) else None,
                    progress=progress,
                    workers=workers,
                    on_header=(
                        (lambda header: write_rejects_csv([], header, rejects_out))
                        if rejects_out
                        else None
                    ),
                )
        except Terminated:
            raise CommandError(
                _("Impor dihentikan (SIGTERM): transaksinya dibatalkan, tidak ada yang disimpan."),
                returncode=128 + signal.SIGTERM,
            ) from None
        except ImportFormatError as error:
            raise CommandError(error.message) from None
        except DatabaseError as error:
            # E.g. a receipt created by hand meanwhile with a number from the file.
            raise CommandError(
                _("Impor gagal, tidak ada yang disimpan: %(error)s") % {"error": error}
            ) from None
        except OSError as error:
            raise CommandError(
                _("Berkas tidak dapat dibaca: %(file)s (%(error)s).")
                % {"file": file, "error": error.strerror or error}
            ) from None
        finally:
            source.close()
            if rejects_out is not None:
                rejects_out.close()
        if progress:
            sys.stderr.write("\n")
        for row_no, reason, _cells in shown:
            self.stdout.write(_("baris %(row)s: %(reason)s") % {"row": row_no, "reason": reason})
        if result.rejected > len(shown):
            self.stdout.write(
                _("... dan %(count)s baris ditolak lainnya.")
                % {"count": result.rejected - len(shown)}
            )
        summary = (
            _(
                "%(rows)s baris: %(inserted)s resi baru, %(updated)s diperbarui, "
                "%(unchanged)s tidak berubah, %(rejected)s ditolak; penduduk: "
                "%(residents_inserted)s baru, %(residents_updated)s diperbarui."
            )
            % result.as_dict()
        )
        if dry_run:
            summary += " " + _("(uji coba: tidak ada yang disimpan)")
        if options["verbosity"] > 1:
            self.stdout.write(
                " ".join(f"{phase}={seconds:.1f}s" for phase, seconds in result.timings.items())
            )
        self.stdout.write(summary)

    def _progress(self, rows):
        sys.stderr.write("\r" + _("%(rows)s baris dibaca...") % {"rows": f"{rows:,}"})
        sys.stderr.flush()
