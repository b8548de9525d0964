"""Recount the print queue per day and compare with the counts the triggers keep."""

from django.core.management.base import BaseCommand, CommandError

from receipts.queue_days import queue_days_check, queue_days_rebuild


class Command(BaseCommand):
    help = (
        "Bandingkan jumlah antrean cetak per hari (receipts_queueday) dengan hitungan ulang; "
        "--repair menggantinya dengan hitungan ulang."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="ganti dengan hitungan ulang")
        parser.add_argument("--database", default="default")

    def handle(self, *args, repair=False, database="default", **options):
        differences = queue_days_check(using=database)
        for day, (kept, counted) in differences.items():
            self.stdout.write(f"{day}: tersimpan {kept}, hitungan ulang {counted}")
        if not differences:
            self.stdout.write("Antrean cetak per hari cocok dengan hitungan ulang.")
            return
        if repair:
            days = queue_days_rebuild(using=database)
            self.stdout.write(f"Diperbaiki: {days} hari dihitung ulang.")
            return
        raise CommandError(f"{len(differences)} hari tidak cocok; jalankan dengan --repair.")
