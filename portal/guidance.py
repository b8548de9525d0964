"""What the result page tells a resident: one row per situation, in one table.

Before this table the meaning of a status, the queue box, the pickup days and "what to bring"
were written in four templates that contradicted each other (issue 17: a `recorded` receipt
"waiting for blanks from the central government" above a box saying the blanks reach it; a
`dispatched` card with "bring the original receipt" and "wait until it is ready"). Now the
page asks ``situation()`` which row applies and shows that row only: its meaning, the one thing
to do, and which boxes go with it. tests/portal/test_guidance.py has a test per row.

Reviewed in Indonesian (the msgids); English in locale/en.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from receipts.models import Status


class Situation:
    RECORDED = "recorded"  # waiting; blanks reach this receipt
    RECORDED_NO_BLANKS = "recorded_no_blanks"  # waiting; blanks run out before its turn
    REPRINT = "reprint"  # the card was misprinted and waits to be printed again
    QUEUED = "queued"
    PRINTED = "printed"
    DISPATCHED = "dispatched"  # on its way, no pickup day published yet
    DISPATCHED_WITH_DAY = "dispatched_with_day"  # on its way, a pickup day is published
    READY = "ready"  # at the counter, no special day: counter hours
    READY_WITH_DAY = "ready_with_day"  # at the counter, a pickup day for the kelurahan
    COLLECTED = "collected"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


class Office:
    KECAMATAN = "kecamatan"  # the collection point, where the card is or will be
    HEAD = "head"  # Disdukcapil's own office, where data problems are solved


@dataclass(frozen=True)
class Guidance:
    meaning: str  # what is happening, in one or two sentences
    todo: str  # the one thing to do now
    office: str | None = Office.KECAMATAN  # which office box the page shows
    schedule: bool = False  # the published pickup days
    bring: bool = False  # what to bring to the counter
    # For a closed receipt the news is alarming if the number was mistyped: the page first
    # asks the reader to check the initials, and shows this row's text only after that.
    confirm_first: bool = False


GUIDANCE: dict[str, Guidance] = {
    Situation.RECORDED: Guidance(
        _(
            "Data Anda sudah direkam dan menunggu giliran cetak. Blanko (kartu kosong) yang ada "
            "cukup sampai urutan Anda."
        ),
        _("Anda belum perlu datang. Cek lagi halaman ini setelah perkiraan tanggal di bawah."),
    ),
    Situation.RECORDED_NO_BLANKS: Guidance(
        _(
            "Data Anda sudah direkam. Kartu belum bisa dicetak karena blanko (kartu kosong) "
            "dari pemerintah pusat belum cukup sampai urutan Anda."
        ),
        _("Anda belum perlu datang. Cek lagi halaman ini setelah ada kiriman blanko baru."),
    ),
    Situation.REPRINT: Guidance(
        _(
            "Kartu Anda salah cetak dan akan dicetak ulang. Urutan Anda di antrean tetap: "
            "kartu Anda dicetak sebelum resi yang direkam setelah Anda."
        ),
        _("Anda belum perlu datang. Cek lagi halaman ini setelah perkiraan tanggal di bawah."),
    ),
    Situation.QUEUED: Guidance(
        _("Kartu Anda sudah masuk daftar cetak dan akan segera dicetak."),
        _("Anda belum perlu datang. Tunggu sampai statusnya “Siap diambil”."),
    ),
    Situation.PRINTED: Guidance(
        _(
            "Kartu Anda sudah dicetak di Disdukcapil dan akan dikirim ke kantor kecamatan "
            "pengambilan."
        ),
        _("Anda belum perlu datang. Tunggu sampai statusnya “Siap diambil”."),
    ),
    Situation.DISPATCHED: Guidance(
        _("Kartu Anda sedang dikirim ke kantor kecamatan pengambilan."),
        _("Anda belum perlu datang. Tunggu sampai statusnya “Siap diambil”."),
    ),
    Situation.DISPATCHED_WITH_DAY: Guidance(
        _(
            "Kartu Anda sedang dikirim ke kantor kecamatan, dan jadwal pengambilan untuk "
            "kelurahan Anda sudah diumumkan."
        ),
        _(
            "Cek lagi halaman ini sehari sebelum jadwal: datang hanya jika statusnya sudah "
            "“Siap diambil”."
        ),
        schedule=True,
        bring=True,
    ),
    Situation.READY: Guidance(
        _("Kartu Anda sudah ada di kantor kecamatan dan bisa diambil."),
        _("Datang ke loket kecamatan pada jam layanan loket di bawah."),
        bring=True,
    ),
    Situation.READY_WITH_DAY: Guidance(
        _("Kartu Anda sudah ada di kantor kecamatan dan bisa diambil."),
        _("Datang pada jadwal pengambilan untuk kelurahan Anda di bawah."),
        schedule=True,
        bring=True,
    ),
    Situation.COLLECTED: Guidance(
        _("Kartu e-KTP untuk resi ini sudah diserahkan kepada pemiliknya atau wakilnya."),
        _(
            "Jika inisial di atas milik Anda dan Anda belum menerima kartunya, hubungi kantor "
            "kecamatan di bawah dengan membawa resi ini."
        ),
        confirm_first=True,
    ),
    Situation.ON_HOLD: Guidance(
        _("Ada masalah pada data Anda (misalnya data ganda), sehingga kartu belum bisa dicetak."),
        _(
            "Datang ke kantor Disdukcapil Kota Balikpapan (alamat di bawah) pada jam layanan, "
            "dengan membawa resi ini dan Kartu Keluarga (KK) asli."
        ),
        office=Office.HEAD,
    ),
    Situation.CANCELLED: Guidance(
        _(
            "Resi ini tidak berlaku lagi, misalnya karena sudah diganti resi yang lebih baru, "
            "data ganda sudah diselesaikan, atau pemiliknya pindah."
        ),
        _("Jika inisial di atas milik Anda dan Anda punya resi yang lebih baru, cek nomor itu."),
        office=None,
        confirm_first=True,
    ),
}

# The timeline entry of a misprint: the step back to `recorded` said for what it is.
MISPRINT_LABEL = _("Salah cetak — dicetak ulang, urutan Anda tetap")

# A card sent back to the queue after a misprint: queued -> recorded or printed -> recorded.
_MISPRINT_FROM = frozenset({Status.QUEUED, Status.PRINTED})


def is_misprint(from_status: str, to_status: str) -> bool:
    return to_status == Status.RECORDED and from_status in _MISPRINT_FROM


def timeline_step(from_status: str, to_status: str) -> tuple:
    """A timeline entry's (label, is a misprint) for the step from_status -> to_status."""
    misprint = is_misprint(from_status, to_status)
    return (MISPRINT_LABEL if misprint else Status(to_status).label), misprint


def situation(*, status: str, enough_blanks: bool, reprint: bool, has_schedule: bool) -> str:
    """The row of GUIDANCE for a receipt (``reprint``: its last card was misprinted)."""
    if status == Status.RECORDED:
        if not enough_blanks:  # a reprint short of blanks waits for them like any receipt
            return Situation.RECORDED_NO_BLANKS
        return Situation.REPRINT if reprint else Situation.RECORDED
    if status == Status.DISPATCHED:
        return Situation.DISPATCHED_WITH_DAY if has_schedule else Situation.DISPATCHED
    if status == Status.READY:
        return Situation.READY_WITH_DAY if has_schedule else Situation.READY
    return Status(status).value
