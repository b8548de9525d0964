from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from receipts import hours
from receipts.numbers import validate_nik


class CodeField(models.CharField):
    """A code of digits and capitals (NIK, receipt number), compared byte by byte.

    On PostgreSQL the column gets collation "C": comparisons are plain memcmp, and one unique
    btree also serves ``LIKE 'prefix%'``, so no varchar_pattern_ops twin (which Django adds for
    unique=True) has to be kept up to date on every insert. SQLite compares bytes by default.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("db_collation", "C")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("db_collation") == "C":
            del kwargs["db_collation"]
        return name, path, args, kwargs

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor != "postgresql":
            parameters["collation"] = None
        return parameters


class Kecamatan(models.Model):
    """A district office, where printed cards are handed over at the counter."""

    code = models.CharField(_("kode wilayah"), max_length=8, unique=True)
    name = models.CharField(_("nama"), max_length=100, unique=True)
    slug = models.SlugField(
        _("kode singkat"),
        max_length=20,
        unique=True,
        help_text=_("Dipakai untuk nama akun loket, mis. 'selatan' untuk loket.selatan."),
    )
    address = models.CharField(_("alamat kantor"), max_length=255, blank=True)
    counter_hours = models.CharField(
        _("jam layanan loket"),
        max_length=255,
        blank=True,
        validators=[hours.validate_hours],
        help_text=hours.HELP_TEXT,
    )
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    contact_is_placeholder = models.BooleanField(
        _("alamat/jam masih contoh"),
        default=False,
        help_text=_("Alamat, jam dan telepon belum diverifikasi: data contoh, bukan data resmi."),
    )

    class Meta:
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")
        ordering = ["code"]

    def __str__(self):
        return self.name


class HeadOffice(models.Model):
    """One row: the Disdukcapil office itself, where residents go when the kecamatan cannot
    help (data problems, unknown receipt numbers). Edited by staff in the admin; shown on the
    on_hold result, the unknown-number page and /bantuan/."""

    SINGLETON_ID = 1

    name = models.CharField(
        _("nama kantor"),
        max_length=150,
        default="Dinas Kependudukan dan Pencatatan Sipil Kota Balikpapan",
    )
    address = models.CharField(_("alamat kantor"), max_length=255, blank=True)
    counter_hours = models.CharField(
        _("jam layanan"),
        max_length=255,
        blank=True,
        validators=[hours.validate_hours],
        help_text=hours.HELP_TEXT,
    )
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    note = models.CharField(_("catatan untuk warga"), max_length=255, blank=True)
    note_en = models.CharField(
        _("catatan untuk warga (bahasa Inggris)"), max_length=255, blank=True
    )
    contact_is_placeholder = models.BooleanField(
        _("alamat/jam masih contoh"),
        default=False,
        help_text=_("Alamat, jam dan kontak belum diverifikasi: data contoh, bukan data resmi."),
    )

    class Meta:
        verbose_name = _("kantor Disdukcapil")
        verbose_name_plural = _("kantor Disdukcapil")

    def __str__(self):
        return self.name


class Kelurahan(models.Model):
    """A sub-district; residents live in one, and pickup days are often set per kelurahan."""

    code = models.CharField(_("kode wilayah"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="kelurahan", verbose_name=_("kecamatan")
    )

    class Meta:
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["kecamatan", "name"], name="kelurahan_name_unique"),
        ]

    def __str__(self):
        return self.name


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Resident(models.Model):
    """A person who has recorded biometrics. Private: never shown on public pages."""

    # Unique through resident_nik_unique (a UniqueConstraint: see CodeField).
    nik = CodeField(_("NIK"), max_length=16, validators=[validate_nik])
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    birth_date = models.DateField(_("tanggal lahir"))
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    kelurahan = models.ForeignKey(
        Kelurahan,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("kelurahan domisili"),
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("penduduk")
        verbose_name_plural = _("penduduk")
        constraints = [
            models.UniqueConstraint(fields=["nik"], name="resident_nik_unique"),
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[0-9]{16}$"), name="resident_nik_16_digits"
            ),
        ]
        indexes = [
            # Counter search by the beginning of a name (``istartswith`` on upper(full_name)).
            models.Index(models.functions.Upper("full_name"), name="resident_name_upper_idx"),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.nik})"


class Status(models.TextChoices):
    """The stable status codes of the public contract, with their public labels."""

    RECORDED = "recorded", _("Sudah rekam — menunggu blanko")
    QUEUED = "queued", _("Dalam antrean cetak")
    PRINTED = "printed", _("Sudah dicetak")
    DISPATCHED = "dispatched", _("Dikirim ke kecamatan")
    READY = "ready", _("Siap diambil")
    COLLECTED = "collected", _("Sudah diambil")
    ON_HOLD = "on_hold", _("Perlu ke Disdukcapil")
    CANCELLED = "cancelled", _("Dibatalkan")


# Statuses that close a receipt: a resident may hold only one receipt that is not closed.
CLOSED_STATUSES = (Status.COLLECTED, Status.CANCELLED)


class Receipt(models.Model):
    """A recording receipt (*resi*): the resident's claim to a printed card."""

    # Unique through receipt_number_unique, which also serves the admin's search by the
    # beginning of a number (see CodeField).
    number = CodeField(_("nomor resi"), max_length=24)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("penduduk")
    )
    recorded_at = models.DateTimeField(_("waktu perekaman"))
    recorded_place = models.CharField(_("tempat perekaman"), max_length=150)
    # No index of its own: receipt_kecamatan_status_idx (collection_kecamatan, status) serves every
    # lookup by kecamatan, and one index fewer makes the bulk import faster.
    collection_kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("kecamatan pengambilan"),
        db_index=False,
    )
    # Written only by receipts.services (the transition table); never assign it elsewhere.
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECORDED
    )
    status_changed_at = models.DateTimeField(_("status berubah"), default=timezone.now)
    collected_at = models.DateTimeField(_("waktu diambil"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("resi")
        verbose_name_plural = _("resi")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="receipt_number_unique"),
            models.UniqueConstraint(
                fields=["resident"],
                condition=~Q(status__in=["collected", "cancelled"]),
                name="receipt_one_open_per_resident",
                violation_error_message=_("Penduduk ini sudah memiliki resi yang masih berjalan."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="receipt_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="collected") | Q(collected_at__isnull=False),
                name="receipt_collected_has_time",
            ),
        ]
        indexes = [
            # The print queue: oldest `recorded` receipts first, ties by number.
            models.Index(
                fields=["recorded_at", "number"],
                condition=Q(status="recorded"),
                name="receipt_queue_idx",
            ),
            # Counter lists, statistics and admin filters: per kecamatan and status.
            models.Index(
                fields=["collection_kecamatan", "status"], name="receipt_kecamatan_status_idx"
            ),
            # Stale receipts flagged to staff (status unchanged for a long time).
            models.Index(fields=["status", "status_changed_at"], name="receipt_status_age_idx"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("receipts:lookup") + f"?nomor={self.number}"


class ReceiptWord(models.Model):
    """One word of a receipt holder's name, for the counter's name search on PostgreSQL.

    Written only by the database (triggers of migration 0009): on every INSERT of receipts,
    when a receipt changes holder or kecamatan, and when a resident's name changes. So every
    writer — the import's bulk load, the admin, the seeders, bench/seed_scale.py — keeps it
    current without knowing of it. One row per (receipt, distinct word); SQLite leaves it
    empty (its search computes the ranking: receipts.name_search).

    ``name`` is the folded name padded with spaces (" siti aminah "), ``first`` marks the row of
    the name's first word, ``leads`` whether the name starts with this word (" sitiara siti "
    leads with "siti" too). Both columns are COLLATE "C" on PostgreSQL, so that a prefix LIKE
    is a range of the index and the index order is the search's order.
    """

    # No database constraint: a trigger deletes the rows of deleted receipts (raw deletes too,
    # e.g. the rows the import's bulk load rejects afterwards).
    receipt = models.ForeignKey(
        Receipt,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("resi"),
    )
    # The receipt's collection_kecamatan, copied: the counter searches its kecamatan only.
    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("kecamatan"),
    )
    word = models.CharField(_("kata"), max_length=150)
    name = models.CharField(_("nama terlipat"), max_length=160)
    first = models.BooleanField(_("kata pertama"))
    leads = models.BooleanField(_("nama diawali kata ini"))

    class Meta:
        verbose_name = _("kata nama")
        verbose_name_plural = _("kata nama")
        indexes = [
            # Whole word (word = x) and word prefix (word LIKE 'x%') within one kecamatan, in
            # the order the page shows (name, receipt), without visiting the table.
            models.Index(
                fields=["kecamatan", "word", "leads", "name", "receipt"],
                include=["first"],
                name="receiptword_search_idx",
            ),
            # The start of the name (name LIKE ' x%'), in name order.
            models.Index(
                fields=["kecamatan", "name", "receipt"],
                condition=Q(first=True),
                name="receiptword_first_idx",
            ),
        ]

    def __str__(self):
        return f"{self.receipt_id} {self.word}"


class ReceiptEvent(models.Model):
    """One status change: the audit trail and the public timeline."""

    # No index of its own: receiptevent_timeline_idx (receipt, at) serves every lookup by receipt.
    receipt = models.ForeignKey(
        Receipt,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("resi"),
        db_index=False,
    )
    from_status = models.CharField(
        _("dari status"), max_length=12, choices=Status.choices, blank=True
    )
    to_status = models.CharField(_("ke status"), max_length=12, choices=Status.choices)
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    # Empty for imported events (most of them): indexed only where set (receiptevent_actor_idx).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oleh"),
        db_index=False,
    )
    note = models.CharField(_("catatan"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("riwayat status")
        verbose_name_plural = _("riwayat status")
        ordering = ["at", "id"]
        indexes = [
            # The public timeline of one receipt, in order.
            models.Index(fields=["receipt", "at"], name="receiptevent_timeline_idx"),
            # A staff member's events (and PROTECT's check when a user is deleted): the
            # million events an import writes have no actor and stay out of the index.
            models.Index(
                fields=["actor"],
                condition=Q(actor__isnull=False),
                name="receiptevent_actor_idx",
            ),
        ]

    def __str__(self):
        return f"{self.receipt_id}: {self.from_status or '-'} → {self.to_status}"


class PublicDataVersion(models.Model):
    """One row: a counter bumped by every write that changes what a lookup shows besides the
    receipt itself (offices, kelurahan, pickup days, the print queue and blank stock).

    Rendered lookup results are cached per worker (portal/lookup_cache.py) under the value
    read with the receipt's status in the same query. The bump is an UPDATE inside the writer's
    own transaction, so it becomes visible exactly when the change does, on every worker.
    """

    SINGLETON_ID = 1

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("versi data publik")

    def __str__(self):
        return str(self.value)


class JobStatus(models.TextChoices):
    """The states of a background job with a page of its own: the admin import's ImportJob,
    and distribution's ExportJob and PrintRunJob."""

    WAITING = "waiting", _("menunggu")
    RUNNING = "running", _("berjalan")
    DONE = "done", _("selesai")
    FAILED = "failed", _("gagal")


class ImportJob(models.Model):
    """One upload of the admin import (receipts/import_jobs.py): the file waits in
    ImportUploadChunk rows until the task worker imports it; the report stays here.

    Kept in the database, not the cache: every web worker and every host sees the same job,
    and the report outlives a restart.
    """

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diunggah oleh"),
    )
    # The upload form's one-time token: a second POST of the same form finds this job again
    # instead of importing the file twice (import_job_create).
    token = models.CharField(_("token formulir"), max_length=64)
    created_at = models.DateTimeField(_("diunggah pada"), default=timezone.now)
    file_name = models.CharField(_("nama berkas"), max_length=255)
    size = models.BigIntegerField(_("ukuran (bita)"))
    dry_run = models.BooleanField(_("uji coba"), default=False)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=JobStatus.choices,
        default=JobStatus.WAITING,
    )
    # Physical lines of the file minus the header, counted while it was stored: the "total"
    # of the progress page (a quoted cell over several lines makes it a little high).
    rows_total = models.IntegerField(_("perkiraan jumlah baris"), default=0)
    rows_done = models.IntegerField(_("baris dibaca"), default=0)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    # Written every few seconds by the running import (its own connection): a job whose
    # heartbeat stopped belongs to a worker that died (import_jobs_fail_stale).
    heartbeat_at = models.DateTimeField(_("tanda hidup terakhir"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    counts = models.JSONField(_("ringkasan"), default=dict, blank=True)
    error = models.TextField(_("pesan kesalahan"), blank=True)
    # The rejects report (the CSV of rejected rows), zlib-compressed.
    rejects = models.BinaryField(_("baris ditolak (CSV, terkompresi)"), default=b"")

    class Meta:
        verbose_name = _("impor resi")
        verbose_name_plural = _("impor resi")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["uploaded_by", "token"], name="importjob_token_unique")
        ]
        indexes = [
            # The stale sweep: running jobs whose heartbeat is old.
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status="running"),
                name="importjob_running_idx",
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("receipts_import_job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ImportUploadChunk(models.Model):
    """A piece of an uploaded file (about 1 MiB), so a worker on any host can read it and no
    process holds the whole file in memory. Deleted once its job has ended."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("impor")
    )
    seq = models.IntegerField(_("urutan"))
    data = models.BinaryField(_("isi"))

    class Meta:
        verbose_name = _("potongan berkas impor")
        verbose_name_plural = _("potongan berkas impor")
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="importuploadchunk_seq_unique")
        ]

    def __str__(self):
        return f"{self.job_id}#{self.seq}"


class QueueDay(models.Model):
    """How many receipts recorded on one day (UTC) still wait in the print queue.

    Derived data, kept by database triggers on ``receipts_receipt`` (migration
    0010_queueday_kept_by_triggers): every INSERT, UPDATE or DELETE of receipts, whoever makes
    it (the status service, print runs, the importer's COPY, the demo seeder, factories in
    tests, a raw UPDATE in a shell), adds and subtracts its ``recorded`` rows here in the same
    statement, so the counts are exact at every commit. A lookup's queue position reads the
    counts of earlier days and counts only its own day on receipt_queue_idx
    (receipts/queue_days.py); ``manage.py queue_days_check`` recomputes them from scratch.
    """

    day = models.DateField(_("tanggal rekam (UTC)"), primary_key=True)
    recorded = models.IntegerField(_("resi menunggu cetak"), default=0)

    class Meta:
        verbose_name = _("antrean cetak per hari")
        verbose_name_plural = _("antrean cetak per hari")

    def __str__(self):
        return f"{self.day}: {self.recorded}"
