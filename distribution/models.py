from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from receipts.models import JobStatus, Kecamatan, Kelurahan, Receipt


class BlankBatch(models.Model):
    """A delivery of blank cards from Ditjen Dukcapil.

    ``used`` counts blanks carrying a card (allocated or printed), ``spoiled`` the misprints.
    Both are kept by distribution.services under a row lock; the database refuses any update
    that would make them exceed the quantity delivered.
    """

    reference = models.CharField(_("nomor surat/referensi"), max_length=100, unique=True)
    quantity = models.PositiveIntegerField(_("jumlah blanko"))
    received_on = models.DateField(_("tanggal diterima"))
    used = models.PositiveIntegerField(_("terpakai"), default=0, editable=False)
    spoiled = models.PositiveIntegerField(_("rusak"), default=0, editable=False)
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("dicatat"), default=timezone.now, editable=False)
    # Empty only on batches recorded before the portal kept who recorded them.
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )

    class Meta:
        verbose_name = _("batch blanko")
        verbose_name_plural = _("batch blanko")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="blankbatch_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(spoiled__gte=0), name="blankbatch_counts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(used__lte=F("quantity") - F("spoiled")),
                name="blankbatch_within_quantity",
                violation_error_message=_("Blanko terpakai + rusak melebihi jumlah batch."),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def left(self) -> int | None:
        # None on an unsaved batch without a quantity (the admin's empty add form).
        if self.quantity is None:
            return None
        return self.quantity - self.used - self.spoiled


class PrintRun(models.Model):
    """A batch of receipts allocated to blanks and sent to the printer together."""

    class State(models.TextChoices):
        ALLOCATED = "allocated", _("Dialokasikan, belum dicetak")
        PRINTED = "printed", _("Sudah dicetak")

    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="print_runs",
        verbose_name=_("kecamatan"),
        help_text=_("Kosong berarti semua kecamatan."),
    )
    requested = models.PositiveIntegerField(_("jumlah diminta"))
    allocated = models.PositiveIntegerField(_("jumlah dialokasikan"), default=0)
    cutoff_date = models.DateField(_("batas tanggal resi"))
    state = models.CharField(
        _("keadaan"), max_length=10, choices=State.choices, default=State.ALLOCATED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("oleh")
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    printed_at = models.DateTimeField(_("dicetak"), null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditandai tercetak oleh"),
    )

    class Meta:
        verbose_name = _("proses cetak")
        verbose_name_plural = _("proses cetak")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested__gt=0), name="printrun_requested_positive"
            ),
        ]

    def __str__(self):
        return _("Cetak #%(id)s") % {"id": self.pk}


class Card(models.Model):
    """One print attempt: a blank from a batch, carrying one receipt's card.

    Every attempt is kept, spoiled ones included, so each blank can be accounted for.
    """

    class Outcome(models.TextChoices):
        QUEUED = "queued", _("Menunggu cetak")
        PRINTED = "printed", _("Tercetak")
        SPOILED = "spoiled", _("Rusak/salah cetak")

    serial = models.CharField(_("nomor seri kartu"), max_length=32, unique=True)
    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, related_name="cards", verbose_name=_("resi")
    )
    print_run = models.ForeignKey(
        PrintRun, on_delete=models.PROTECT, related_name="cards", verbose_name=_("proses cetak")
    )
    batch = models.ForeignKey(
        BlankBatch, on_delete=models.PROTECT, related_name="cards", verbose_name=_("batch blanko")
    )
    position = models.PositiveIntegerField(_("urutan dalam proses cetak"))
    outcome = models.CharField(
        _("hasil"), max_length=10, choices=Outcome.choices, default=Outcome.QUEUED
    )
    printed_at = models.DateTimeField(_("dicetak"), null=True, blank=True)
    spoiled_at = models.DateTimeField(_("dinyatakan rusak"), null=True, blank=True)
    spoiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dinyatakan rusak oleh"),
    )

    class Meta:
        verbose_name = _("kartu cetak")
        verbose_name_plural = _("kartu cetak")
        ordering = ["print_run", "position"]
        constraints = [
            # A receipt carries at most one good (not spoiled) card at any time.
            models.UniqueConstraint(
                fields=["receipt"],
                condition=~Q(outcome="spoiled"),
                name="card_one_good_per_receipt",
            ),
        ]
        indexes = [
            # Print list of a run, in allocation order.
            models.Index(fields=["print_run", "position"], name="card_run_position_idx"),
            # The printing rate shown with a waiting receipt on the public lookup (cards
            # printed in the last weeks): a short range of recent rows instead of a scan of
            # every card ever printed (~200 ms at 880,000 cards; README, Benchmarks).
            models.Index(
                fields=["printed_at"],
                condition=Q(outcome="printed"),
                name="card_printed_recent_idx",
            ),
        ]

    def __str__(self):
        return self.serial


class Dispatch(models.Model):
    """Printed cards sent from Disdukcapil to one kecamatan office."""

    class State(models.TextChoices):
        SENT = "sent", _("Dikirim")
        RECEIVED = "received", _("Diterima kecamatan")

    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="dispatches", verbose_name=_("kecamatan")
    )
    state = models.CharField(_("keadaan"), max_length=10, choices=State.choices, default=State.SENT)
    sent_at = models.DateTimeField(_("dikirim"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("oleh")
    )
    received_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diterima oleh"),
    )
    note = models.CharField(_("catatan"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("pengiriman")
        verbose_name_plural = _("pengiriman")
        ordering = ["-sent_at"]
        permissions = [("receive_dispatch", _("Bisa mengonfirmasi kiriman sampai di kecamatan"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="sent") | Q(received_at__isnull=False),
                name="dispatch_received_has_time",
            ),
        ]

    def __str__(self):
        return _("Kiriman #%(id)s ke %(kecamatan)s") % {"id": self.pk, "kecamatan": self.kecamatan}


class DispatchItem(models.Model):
    """One card in a dispatch; ``arrived`` is unknown until the kecamatan confirms."""

    dispatch = models.ForeignKey(
        Dispatch, on_delete=models.PROTECT, related_name="items", verbose_name=_("pengiriman")
    )
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="dispatch_items", verbose_name=_("kartu")
    )
    arrived = models.BooleanField(_("sampai"), null=True, default=None)
    note = models.CharField(_("catatan"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("isi pengiriman")
        verbose_name_plural = _("isi pengiriman")
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "card"], name="dispatchitem_unique"),
        ]

    def __str__(self):
        return f"{self.dispatch_id}/{self.card_id}"


class PickupSchedule(models.Model):
    """Days and hours when a kecamatan hands cards over to residents of a kelurahan."""

    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("kecamatan")
    )
    kelurahan = models.ForeignKey(
        Kelurahan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schedules",
        verbose_name=_("kelurahan"),
        help_text=_("Kosong berarti untuk semua kelurahan di kecamatan ini."),
    )
    date = models.DateField(_("tanggal"))
    start_time = models.TimeField(_("jam mulai"))
    end_time = models.TimeField(_("jam selesai"))
    place = models.CharField(_("tempat"), max_length=255, blank=True)
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    note_en = models.CharField(
        _("catatan (bahasa Inggris)"),
        max_length=255,
        blank=True,
        help_text=_("Ditampilkan di halaman berbahasa Inggris; kosong berarti catatan di atas."),
    )
    # Empty only on days published before the portal kept who published them.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("diterbitkan oleh"),
    )
    published_at = models.DateTimeField(_("diterbitkan"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("jadwal pengambilan")
        verbose_name_plural = _("jadwal pengambilan")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="pickupschedule_time_order"
            ),
        ]
        indexes = [
            # Upcoming pickup days for a kecamatan/kelurahan on the lookup page.
            models.Index(fields=["kecamatan", "date"], name="pickupschedule_kec_date_idx"),
        ]

    def __str__(self):
        return f"{self.kecamatan} {self.kelurahan or ''} {self.date}"


class IdDocumentType(models.Model):
    """Identity documents the counter accepts (editable by staff)."""

    name = models.CharField(_("nama"), max_length=100, unique=True)
    active = models.BooleanField(_("aktif"), default=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("jenis dokumen identitas")
        verbose_name_plural = _("jenis dokumen identitas")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Officer(models.Model):
    """A kecamatan clerk or supervisor: the kecamatan whose cards they may see and hand over."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Petugas loket")
        SUPERVISOR = "supervisor", _("Supervisor kecamatan")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="officer",
        verbose_name=_("akun"),
    )
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="officers", verbose_name=_("kecamatan")
    )
    role = models.CharField(_("peran"), max_length=12, choices=Role.choices, default=Role.CLERK)
    is_demo = models.BooleanField(
        _("akun demo"),
        default=False,
        help_text=_("Dibuat oleh seed_demo; jangan dipakai di produksi."),
    )

    class Meta:
        verbose_name = _("petugas kecamatan")
        verbose_name_plural = _("petugas kecamatan")

    def __str__(self):
        return f"{self.user} ({self.kecamatan}, {self.get_role_display()})"


class HandOver(models.Model):
    """A card handed over at a kecamatan counter. Undone hand-overs stay, marked undone."""

    class CollectedBy(models.TextChoices):
        RESIDENT = "resident", _("Pemilik sendiri")
        PROXY = "proxy", _("Diwakilkan")

    class ProxyAuthority(models.TextChoices):
        FAMILY_CARD = "kk", _("Satu Kartu Keluarga (KK)")
        LETTER = "surat_kuasa", _("Surat kuasa")

    class IdentityCheck(models.TextChoices):
        RECEIPT = "receipt", _("Resi asli dicocokkan")
        FINGERPRINT = "fingerprint", _("Sidik jari dicocokkan")
        FACE = "face", _("Wajah dicocokkan dengan foto rekam")
        DOCUMENT = "document", _("Dokumen identitas lain")

    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("resi")
    )
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("kartu")
    )
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("kecamatan")
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("petugas"),
    )
    handed_at = models.DateTimeField(_("waktu serah"), default=timezone.now)
    collected_by = models.CharField(
        _("diambil oleh"), max_length=10, choices=CollectedBy.choices, default=CollectedBy.RESIDENT
    )
    identity_check = models.CharField(
        _("cara cek identitas"), max_length=12, choices=IdentityCheck.choices
    )
    id_document_type = models.ForeignKey(
        IdDocumentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dokumen identitas pengambil"),
    )
    id_document_number = models.CharField(_("nomor dokumen"), max_length=40, blank=True)
    proxy_name = models.CharField(_("nama wakil"), max_length=150, blank=True)
    proxy_relationship = models.CharField(_("hubungan dengan pemilik"), max_length=60, blank=True)
    proxy_authority = models.CharField(
        _("dasar perwakilan"), max_length=12, choices=ProxyAuthority.choices, blank=True
    )
    note = models.CharField(_("catatan"), max_length=500, blank=True)
    undone_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dibatalkan oleh"),
    )
    undo_reason = models.CharField(_("alasan pembatalan"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("serah terima")
        verbose_name_plural = _("serah terima")
        ordering = ["-handed_at"]
        permissions = [
            ("hand_over_card", _("Bisa menyerahkan kartu di loket")),
            ("undo_handover", _("Bisa membatalkan serah terima (supervisor)")),
        ]
        constraints = [
            # A card is handed over once: only one hand-over per card that is not undone.
            models.UniqueConstraint(
                fields=["card"], condition=Q(undone_at__isnull=True), name="handover_once_per_card"
            ),
            models.CheckConstraint(
                condition=Q(collected_by="resident")
                | (~Q(proxy_name="") & ~Q(proxy_relationship="") & ~Q(proxy_authority="")),
                name="handover_proxy_complete",
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True)
                | (Q(undone_by__isnull=False) & ~Q(undo_reason="")),
                name="handover_undo_complete",
            ),
        ]
        indexes = [
            # "Today at this counter": hand-overs of one kecamatan by time.
            models.Index(fields=["kecamatan", "handed_at"], name="handover_kec_time_idx"),
        ]

    def __str__(self):
        return f"{self.receipt} @ {self.handed_at:%Y-%m-%d %H:%M}"


class PrintingPlan(models.Model):
    """One row: what the office can print, set by staff, and the printing figures behind the
    public waiting-time estimate (distribution.forecast), kept by distribution.printing_stats.

    The figures are recomputed from the cards, batches and dispatches in the same transaction
    as every write that changes them, so a lookup reads one small row instead of counting
    cards, and the estimate on a cached page stays exact through the version bump that
    follows (portal/lookup_cache.py).
    """

    SINGLETON_ID = 1

    cards_per_day_min = models.PositiveIntegerField(
        _("kapasitas cetak minimum (kartu per hari kerja)"),
        default=300,
        help_text=_("Dipakai untuk perkiraan selama data cetak terbaru belum cukup."),
    )
    cards_per_day_max = models.PositiveIntegerField(
        _("kapasitas cetak maksimum (kartu per hari kerja)"), default=400
    )
    working_weekdays = models.CharField(
        _("hari kerja cetak"),
        max_length=7,
        default="12345",
        help_text=_("Angka hari: 1 = Senin … 7 = Minggu. Contoh: 12345 untuk Senin–Jumat."),
    )
    # Computed (never edited by hand): see distribution.printing_stats.printing_stats_refresh.
    blanks_left = models.IntegerField(_("blanko belum teralokasi"), default=0, editable=False)
    cards_allocated = models.IntegerField(
        _("kartu dialokasikan, belum dicetak"), default=0, editable=False
    )
    print_days = models.JSONField(_("hari cetak terakhir"), default=list, editable=False)
    ready_days = models.JSONField(_("lama cetak sampai siap diambil"), default=dict, editable=False)
    holidays = models.JSONField(_("hari libur"), default=list, editable=False)
    refreshed_at = models.DateTimeField(_("dihitung ulang"), null=True, editable=False)

    class Meta:
        verbose_name = _("rencana cetak")
        verbose_name_plural = _("rencana cetak")
        constraints = [
            models.CheckConstraint(
                condition=Q(cards_per_day_min__gt=0)
                & Q(cards_per_day_max__gte=F("cards_per_day_min")),
                name="printingplan_capacity_order",
                violation_error_message=_(
                    "Kapasitas maksimum harus sama atau lebih besar dari minimum (dan > 0)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(working_weekdays__regex=r"^[1-7]{1,7}$"),
                name="printingplan_weekdays_digits",
                violation_error_message=_("Hari kerja ditulis dengan angka 1–7."),
            ),
        ]

    def __str__(self):
        return str(_("Rencana cetak"))

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.working_weekdays)


class Holiday(models.Model):
    """A day the office does not print (national holiday, cuti bersama), set by staff."""

    date = models.DateField(_("tanggal"), unique=True)
    name = models.CharField(_("keterangan"), max_length=100)

    class Meta:
        verbose_name = _("hari libur")
        verbose_name_plural = _("hari libur")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d-%m-%Y} {self.name}"


class IdempotencyKey(models.Model):
    """The one-time token of a staff create form, recorded with what it created.

    Every create form (blank batch, print run, dispatch, pickup days) carries a random token
    made when it is rendered. The service inserts this row first in the transaction that
    creates the rows, so a second submission of the same form (a retry after a dropped
    connection, a double click, a reload of the POST) meets the unique constraint and is
    answered with the first result instead of creating again (distribution.idempotency).
    """

    class Kind(models.TextChoices):
        BLANK_BATCH = "blank_batch", _("batch blanko")
        PRINT_RUN = "print_run", _("proses cetak")
        DISPATCH = "dispatch", _("kiriman")
        PICKUP_DAYS = "pickup_days", _("jadwal pengambilan")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the first submission created: the batch, the run, the dispatch (empty when one
    # run was sent in several dispatches), the first of the pickup days.
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Nobody edits these by hand: no permissions, no admin page.
        default_permissions = ()
        constraints = [
            # Per account: another account's token can never answer with this one's result.
            models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_once_per_user")
        ]

    def __str__(self):
        return f"{self.kind} {self.key}"


class ExportJob(models.Model):
    """A staff CSV export too big to send inside one request (distribution/export_jobs.py).

    The task worker writes the file into ExportFileChunk rows; the requester downloads it
    from the job's page once it is done. Kept in the database, like the admin import's
    ImportJob: every web worker and host sees the same job and file.
    """

    class Kind(models.TextChoices):
        RECEIPTS = "receipts", _("resi per status/kecamatan")

    Status = JobStatus

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("diminta oleh"),
    )
    # The form's one-time token: the same form posted twice is one job (export_job_create).
    token = models.CharField(_("token formulir"), max_length=64)
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    # The export's query parameters as the direct download takes them ({"status": "ready"}).
    filters = models.JSONField(_("saringan"), default=dict, blank=True)
    file_name = models.CharField(_("nama berkas"), max_length=120)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    rows_total = models.IntegerField(_("perkiraan jumlah baris"), default=0)
    rows_done = models.IntegerField(_("baris ditulis"), default=0)
    size = models.BigIntegerField(_("ukuran (bita)"), default=0)
    created_at = models.DateTimeField(_("diminta pada"), default=timezone.now)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    # Written with every stored piece of the file: a running job whose heartbeat stopped
    # belongs to a worker that died (export_jobs_fail_stale).
    heartbeat_at = models.DateTimeField(_("tanda hidup terakhir"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    error = models.TextField(_("pesan kesalahan"), blank=True)

    class Meta:
        verbose_name = _("ekspor CSV")
        verbose_name_plural = _("ekspor CSV")
        ordering = ["-created_at", "-id"]
        # Made and read by the staff export pages only: no admin page, no permissions.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "token"], name="exportjob_token_once_per_user"
            )
        ]
        indexes = [
            # The stale sweep: running jobs whose heartbeat is old.
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status="running"),
                name="exportjob_running_idx",
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("ekspor:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ExportFileChunk(models.Model):
    """A zlib-compressed piece (about 1 MiB of CSV) of an export job's file, in order."""

    job = models.ForeignKey(
        ExportJob, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("ekspor")
    )
    seq = models.IntegerField(_("urutan"))
    data = models.BinaryField(_("isi (terkompresi)"))

    class Meta:
        verbose_name = _("potongan berkas ekspor")
        verbose_name_plural = _("potongan berkas ekspor")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="exportfilechunk_seq_unique")
        ]

    def __str__(self):
        return f"{self.job_id}#{self.seq}"


class PrintRunJob(models.Model):
    """A print run too big to create inside one request (distribution/print_run_jobs.py).

    The staff form asked for more than PRINT_RUN_DIRECT_MAX_CARDS cards: the task worker
    creates the run (``print_run_create``, one transaction, with this job's token as the
    form's one-time token) and the requester follows it on the job's page.
    """

    Status = JobStatus

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("diminta oleh"),
    )
    # The form's one-time token: the same form posted twice is one job, and the worker passes
    # it to print_run_create, so the job makes at most one run however often it is run.
    token = models.CharField(_("token formulir"), max_length=64)
    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kecamatan"),
        help_text=_("Kosong berarti semua kecamatan."),
    )
    count = models.PositiveIntegerField(_("jumlah kartu"))
    cutoff_date = models.DateField(_("batas tanggal resi"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    print_run = models.ForeignKey(
        PrintRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proses cetak"),
    )
    # Why it failed (the service's Indonesian message); the name the shared failure writer
    # of background jobs uses (disdukcapil.tasks.job_finish_failed).
    error = models.TextField(_("pesan kesalahan"), blank=True)
    created_at = models.DateTimeField(_("diminta pada"), default=timezone.now)
    # The run is one transaction with no heartbeat inside it: a job running for longer than
    # PRINT_RUN_JOB_STALE_SECONDS since this belongs to a worker that died.
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("tugas proses cetak")
        verbose_name_plural = _("tugas proses cetak")
        ordering = ["-created_at", "-id"]
        # Made and read by the staff print-run pages only: no admin page, no permissions.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "token"], name="printrunjob_token_once_per_user"
            ),
            models.CheckConstraint(condition=Q(count__gt=0), name="printrunjob_count_positive"),
            # "done" names its run; nothing else does.
            models.CheckConstraint(
                condition=Q(status="done", print_run__isnull=False)
                | (~Q(status="done") & Q(print_run__isnull=True)),
                name="printrunjob_done_has_run",
            ),
        ]

    def __str__(self):
        return _("Tugas cetak #%(id)s") % {"id": self.pk}

    def get_absolute_url(self):
        return reverse("staf:run_job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
