"""Messages to residents, their texts, the channel order, consent, and inbound requests."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from receipts.models import Receipt, Resident


class Occasion(models.TextChoices):
    READY = "ready", _("Kartu siap diambil")
    PICKUP_DAY = "pickup_day", _("Jadwal pengambilan terbit")
    PICKUP_REMINDER = "pickup_reminder", _("Pengingat H-1 jadwal pengambilan")
    UNCOLLECTED_FIRST = "uncollected_1", _("Belum diambil (pengingat pertama)")
    UNCOLLECTED_SECOND = "uncollected_2", _("Belum diambil (pengingat kedua)")
    ON_HOLD = "on_hold", _("Perlu ke Disdukcapil")
    PICKUP_CHANGED = "pickup_changed", _("Jadwal pengambilan diubah")
    PICKUP_CANCELLED = "pickup_cancelled", _("Jadwal pengambilan dibatalkan")


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim ke penyedia")
    DELIVERED = "delivered", _("Diterima")
    FAILED = "failed", _("Gagal")
    CANCELLED = "cancelled", _("Dibatalkan")
    SKIPPED = "skipped", _("Tidak perlu dikirim")


REMINDERS = ("pickup_reminder", "uncollected_1", "uncollected_2")

# Told again when a pickup day is corrected or cancelled: one message per change (PickupChange),
# not one per receipt and channel, since a day may be corrected more than once.
PICKUP_CHANGES = ("pickup_changed", "pickup_cancelled")


class PickupChange(models.Model):
    """A published pickup day as it was corrected to, or as it was when it was cancelled.

    The messages about it render from this snapshot (a cancelled day's row is gone). Only the
    newest change of a day is told: an older one's waiting messages are cancelled when a newer
    one is recorded, so a day corrected twice in a few minutes gives one message, the latest.
    """

    class Change(models.TextChoices):
        UPDATED = "updated", _("diubah")
        CANCELLED = "cancelled", _("dibatalkan")

    # Not a foreign key: a cancelled day's row is deleted, its changes stay.
    schedule_id = models.PositiveBigIntegerField(_("jadwal"), db_index=True)
    change = models.CharField(_("perubahan"), max_length=10, choices=Change.choices)
    kecamatan = models.ForeignKey(
        "receipts.Kecamatan",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("kecamatan"),
    )
    kelurahan = models.ForeignKey(
        "receipts.Kelurahan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    date = models.DateField(_("tanggal"))
    start_time = models.TimeField(_("jam mulai"))
    end_time = models.TimeField(_("jam selesai"))
    place = models.CharField(_("tempat"), max_length=255, blank=True)
    # When the change was committed (the service's clock): orders two changes of one day.
    at = models.DateTimeField(_("waktu"))
    told = models.PositiveIntegerField(_("penduduk diberi tahu"), default=0)

    class Meta:
        verbose_name = _("perubahan jadwal pengambilan")
        verbose_name_plural = _("perubahan jadwal pengambilan")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.schedule_id} {self.change} {self.date}"


# States a worker may still act on.
OPEN_STATES = (MessageState.PENDING, MessageState.SENDING)


class Message(models.Model):
    """One message about one receipt on one channel: written in the transaction of its cause.

    The unique constraint on (receipt, occasion, channel) is what makes "exactly once" hold
    against retries, double clicks and a second scheduler: a second row cannot exist.
    """

    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, related_name="+", verbose_name=_("resi")
    )
    occasion = models.CharField(_("peristiwa"), max_length=20, choices=Occasion.choices)
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    state = models.CharField(
        _("keadaan"), max_length=10, choices=MessageState.choices, default=MessageState.PENDING
    )
    # 0: caused by a change the resident is waiting for (ready, on_hold, a pickup day);
    # 1: reminders. A worker claims lower first, so a reminder batch never delays "ready".
    priority = models.PositiveSmallIntegerField(_("prioritas"), default=0)
    language = models.CharField(_("bahasa"), max_length=5, default="id")
    # Sent to the provider with every attempt: a provider that supports idempotency keys
    # accepts a repeat (after a crash between its answer and our commit) without a second SMS.
    idempotency_key = models.UUIDField(_("kunci idempotensi"), default=uuid.uuid4, unique=True)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    next_attempt_at = models.DateTimeField(_("coba kirim pada"), default=timezone.now)
    # A claimed message belongs to one worker until claimed_until; after that (the worker
    # died) any worker may claim it again. claim_token tells the owner its own rows.
    claimed_until = models.DateTimeField(_("diklaim sampai"), null=True, blank=True)
    claim_token = models.CharField(_("token klaim"), max_length=32, blank=True)
    recipient = models.CharField(_("tujuan"), max_length=254, blank=True)
    subject = models.CharField(_("subjek"), max_length=200, blank=True)
    body = models.TextField(_("isi"), blank=True)
    provider_id = models.CharField(_("id penyedia"), max_length=128, blank=True)
    error = models.CharField(_("galat"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    sent_at = models.DateTimeField(_("dikirim"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dikirim ulang oleh"),
    )
    # The pickup day the text names (set when it is rendered; for a correction, when it is
    # written): who was told a day is who is told again when it changes.
    schedule_id = models.PositiveBigIntegerField(_("jadwal yang disebut"), null=True, blank=True)
    # For pickup_changed / pickup_cancelled: the change it tells.
    pickup_change = models.ForeignKey(
        PickupChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("perubahan jadwal"),
    )

    class Meta:
        verbose_name = _("pesan")
        verbose_name_plural = _("pesan")
        permissions = [("resend_message", _("Boleh mengirim ulang pesan yang gagal"))]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "occasion", "channel"],
                condition=Q(pickup_change__isnull=True),
                name="message_once_per_channel",
            ),
            # A pickup day may change more than once: once per change, receipt and channel.
            models.UniqueConstraint(
                fields=["receipt", "pickup_change", "channel"],
                condition=Q(pickup_change__isnull=False),
                name="message_once_per_pickup_change",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in MessageState]), name="message_state_valid"
            ),
        ]
        indexes = [
            # The worker's claim: open messages that are due, oldest first.
            models.Index(
                fields=["priority", "next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="message_due_idx",
            ),
            # Delivery-status webhooks find the message by the provider's id.
            models.Index(
                fields=["channel", "provider_id"],
                condition=~Q(provider_id=""),
                name="message_provider_idx",
            ),
            # Who was told a pickup day, when it is corrected or cancelled.
            models.Index(
                fields=["schedule_id"],
                condition=Q(schedule_id__isnull=False),
                name="message_schedule_idx",
            ),
            # The staff page: messages per day and state.
            models.Index(fields=["created_at", "state"], name="message_created_state_idx"),
        ]

    def __str__(self):
        return f"{self.receipt_id} {self.occasion} {self.channel} {self.state}"


class MessageTemplate(models.Model):
    """The text of one occasion on one channel in one language; staff edit it.

    When no row exists the built-in default (notifications/defaults.py) is used, so a fresh
    install sends sensible texts and staff only store what they change.
    """

    occasion = models.CharField(_("peristiwa"), max_length=20, choices=Occasion.choices)
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("bahasa"), max_length=5, choices=settings.LANGUAGES)
    subject = models.CharField(_("subjek (e-mail)"), max_length=200, blank=True)
    body = models.TextField(_("isi"))
    whatsapp_template = models.CharField(
        _("nama templat WhatsApp"),
        max_length=100,
        blank=True,
        help_text=_("Nama templat yang disetujui Meta; parameternya mengikuti urutan isian."),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diubah oleh"),
    )

    class Meta:
        verbose_name = _("templat pesan")
        verbose_name_plural = _("templat pesan")
        constraints = [
            models.UniqueConstraint(
                fields=["occasion", "channel", "language"], name="messagetemplate_unique"
            ),
        ]

    def __str__(self):
        return f"{self.occasion}/{self.channel}/{self.language}"


class ChannelOrder(models.Model):
    """One row: the order in which channels are tried for a resident (staff set it)."""

    SINGLETON_ID = 1

    order = models.CharField(_("urutan saluran"), max_length=40, default="whatsapp,sms,email")
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diubah oleh"),
    )

    class Meta:
        verbose_name = _("urutan saluran")
        verbose_name_plural = _("urutan saluran")

    def __str__(self):
        return self.order

    @property
    def channels(self) -> list[str]:
        return [c for c in self.order.split(",") if c in Channel.values]


class ChannelOptOut(models.Model):
    """A resident who asked for no more messages on one channel (UU 27/2022 PDP).

    A row means "do not send"; deleting it (consent recorded again at the counter) allows
    sending again. Every change is also a ConsentEvent.
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("penduduk")
    )
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    source = models.CharField(_("sumber"), max_length=20)

    class Meta:
        verbose_name = _("penolakan pesan")
        verbose_name_plural = _("penolakan pesan")
        constraints = [
            models.UniqueConstraint(fields=["resident", "channel"], name="optout_unique"),
        ]

    def __str__(self):
        return f"{self.resident_id} {self.channel}"


class ResidentLanguage(models.Model):
    """A resident who chose English messages (the default, without a row, is Indonesian)."""

    resident = models.OneToOneField(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("penduduk")
    )
    language = models.CharField(_("bahasa"), max_length=5, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("bahasa pesan")
        verbose_name_plural = _("bahasa pesan")

    def __str__(self):
        return f"{self.resident_id} {self.language}"


class ConsentEvent(models.Model):
    """The audit trail of consent and contact changes: who, when, what, through which door."""

    class Action(models.TextChoices):
        OPT_OUT = "opt_out", _("Menolak pesan")
        CONSENT = "consent", _("Menyetujui pesan")
        CONTACT_CORRECTED = "contact", _("Kontak dikoreksi")

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="+", verbose_name=_("penduduk")
    )
    channel = models.CharField(_("saluran"), max_length=10, blank=True)
    action = models.CharField(_("tindakan"), max_length=10, choices=Action.choices)
    source = models.CharField(_("sumber"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oleh"),
    )
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    at = models.DateTimeField(_("waktu"), default=timezone.now)

    class Meta:
        verbose_name = _("riwayat persetujuan")
        verbose_name_plural = _("riwayat persetujuan")
        permissions = [("record_consent", _("Boleh mencatat kontak dan persetujuan di loket"))]
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["resident", "at"], name="consentevent_resident_idx")]

    def __str__(self):
        return f"{self.resident_id} {self.action} {self.channel}"


class InboundMessage(models.Model):
    """An SMS or WhatsApp message a resident sent us, and our answer.

    The provider's message id is unique: a replayed webhook (same id) is refused.
    """

    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    provider_message_id = models.CharField(_("id pesan penyedia"), max_length=128)
    sender = models.CharField(_("pengirim"), max_length=30)
    text = models.CharField(_("isi"), max_length=500)
    received_at = models.DateTimeField(_("diterima"), default=timezone.now)
    reply = models.TextField(_("balasan"), blank=True)
    reply_provider_id = models.CharField(_("id balasan"), max_length=128, blank=True)
    reply_sent_at = models.DateTimeField(_("balasan dikirim"), null=True, blank=True)
    reply_error = models.CharField(_("galat balasan"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("pesan masuk")
        verbose_name_plural = _("pesan masuk")
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_message_id"], name="inbound_once"),
        ]

    def __str__(self):
        return f"{self.channel} {self.provider_message_id}"
