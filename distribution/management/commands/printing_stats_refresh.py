"""Recompute the printing figures behind the public waiting-time estimate.

Writers keep them current; run this once after migrating an existing database (migration
distribution 0009 creates the row empty) or after changing cards or batches by hand in SQL.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from distribution.printing_stats import printing_stats_refresh
from receipts import public_version


class Command(BaseCommand):
    help = "Hitung ulang angka cetak untuk perkiraan waktu tunggu di halaman publik."

    def handle(self, *args, **options):
        with transaction.atomic():
            plan = printing_stats_refresh()
            public_version.bump()
        self.stdout.write(
            f"blanko tersisa {plan.blanks_left}, dialokasikan {plan.cards_allocated}, "
            f"hari cetak {len(plan.print_days)}"
        )
