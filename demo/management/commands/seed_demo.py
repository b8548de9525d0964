"""``manage.py seed_demo``: the deterministic Balikpapan demo data set (see demo.seeding)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from demo.seeding import DemoSeeder, database_is_empty
from receipts.models import Status


def _scale(value: str) -> float:
    scale = float(value)
    if not 0 < scale <= 1:
        raise ValueError(value)
    return scale


class Command(BaseCommand):
    help = (
        "Isi database kosong dengan data demo Balikpapan yang deterministik (6 kecamatan, "
        "34 kelurahan, 80.000 blanko, ~60.000 kartu di kecamatan, akun demo), lalu cetak satu "
        "baris `example <status> <nomor resi>` untuk setiap status."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Jika database sudah berisi data, jangan lakukan apa-apa (keluar dengan kode 0).",
        )
        parser.add_argument(
            "--scale",
            type=_scale,
            default=1.0,
            help=(
                "Perkecil jumlah data (0 < skala <= 1), mis. 0.01 untuk uji cepat; "
                "bentuk data tetap sama."
            ),
        )

    def handle(self, *args, if_empty=False, scale=1.0, **options):
        started = time.monotonic()
        # One transaction: a failure half-way leaves the database as empty as it was.
        with transaction.atomic():
            if not database_is_empty():
                if if_empty:
                    self.stderr.write(
                        "seed_demo: database sudah berisi data; tidak ada yang diubah."
                    )
                    return
                raise CommandError(
                    "Database sudah berisi data (kecamatan, penduduk, resi atau akun demo). "
                    "seed_demo hanya mengisi database kosong; pakai --if-empty untuk melewati."
                )
            examples = DemoSeeder(scale=scale).run()
        if connection.vendor == "postgresql":
            # Fresh planner statistics after a bulk load: without them PostgreSQL guesses
            # badly (and the admin's estimated row counts read -1).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stderr.write(f"seed_demo: selesai dalam {time.monotonic() - started:.1f} detik.")
        for status in Status.values:
            self.stdout.write(f"example {status} {examples[status]}")
