"""Hand-over of printed cards at the kecamatan counter, and its undo by a supervisor.

Locking policy: the Receipt row is locked first (``select_for_update``), then the HandOver
row. Two clerks pressing "serahkan" on the same card at the same moment queue on the receipt
lock; the second one, once the first commits, sees the first hand-over and is refused with a
message naming it. The partial unique constraint ``handover_once_per_card`` is the backstop.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disdukcapil.errors import ApplicationError
from distribution.models import Card, HandOver, IdDocumentType, Officer
from distribution.selectors import active_handover
from receipts.models import Receipt, Status
from receipts.services import TransitionError, receipt_transition


class HandOverError(ApplicationError):
    """A hand-over or undo the counter's rules refuse; ``handover`` names the one in the way."""

    default_code = "handover_refused"

    def __init__(self, message: str, code: str | None = None, *, handover: HandOver | None = None):
        super().__init__(message, code)
        self.handover = handover


def describe_handover(handover: HandOver) -> str:
    """Say when and by whom a card was handed over, for refusals and the card page."""
    local = timezone.localtime(handover.handed_at)
    if local.date() == timezone.localdate():
        when = local.strftime("%H:%M")
    else:
        when = local.strftime("%d-%m-%Y %H:%M")
    text = _("Sudah diserahkan pada %(time)s oleh %(clerk)s") % {
        "time": when,
        "clerk": handover.clerk.get_username(),
    }
    if handover.collected_by == HandOver.CollectedBy.PROXY:
        text += " " + _("(diwakilkan: %(name)s, %(relationship)s)") % {
            "name": handover.proxy_name,
            "relationship": handover.proxy_relationship,
        }
    return text + "."


def _officer_or_refuse(actor, *, kecamatan_id: int, perm: str, supervisor: bool = False) -> Officer:
    officer = Officer.objects.filter(user=actor).first() if actor.is_authenticated else None
    if officer is None or officer.kecamatan_id != kecamatan_id:
        raise HandOverError(_("Anda bukan petugas loket kecamatan pengambilan kartu ini."))
    if supervisor and (officer.role != Officer.Role.SUPERVISOR or not actor.has_perm(perm)):
        raise HandOverError(_("Hanya supervisor kecamatan yang dapat membatalkan serah terima."))
    if not actor.has_perm(perm):
        raise HandOverError(_("Akun Anda tidak berhak menyerahkan kartu."))
    return officer


def _already_collected(handover: HandOver) -> HandOverError:
    return HandOverError(describe_handover(handover), "handover_already_done", handover=handover)


@transaction.atomic(durable=True)
def handover_record(
    *,
    receipt: Receipt,
    actor,
    collected_by: str,
    identity_check: str,
    id_document_type: IdDocumentType | None = None,
    id_document_number: str = "",
    proxy_name: str = "",
    proxy_relationship: str = "",
    proxy_authority: str = "",
    note: str = "",
) -> HandOver:
    """Record that the receipt's card was handed over and mark the receipt collected.

    Raise HandOverError when the card was already handed over, is not ready, or the actor
    is not a clerk of the receipt's kecamatan.
    """
    # Lock the receipt before reading anything about it: a second clerk (or a double click)
    # waits here until the first hand-over commits, then reads it below and is refused.
    locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
    _officer_or_refuse(
        actor, kecamatan_id=locked.collection_kecamatan_id, perm="distribution.hand_over_card"
    )
    existing = active_handover(locked)
    if existing is not None:
        raise _already_collected(existing)
    if locked.status != Status.READY:
        raise HandOverError(
            _("Kartu tidak bisa diserahkan: status resi %(status)s.")
            % {"status": Status(locked.status).label}
        )
    card = Card.objects.filter(receipt=locked, outcome=Card.Outcome.PRINTED).first()
    if card is None:
        raise HandOverError(_("Tidak ada kartu tercetak untuk resi ini."))

    if collected_by not in HandOver.CollectedBy.values:
        raise HandOverError(_("Pilih siapa yang mengambil kartu."))
    if identity_check not in HandOver.IdentityCheck.values:
        raise HandOverError(_("Pilih cara identitas pengambil dicocokkan."))
    proxy_name, proxy_relationship = proxy_name.strip(), proxy_relationship.strip()
    id_document_number = id_document_number.strip()
    if collected_by == HandOver.CollectedBy.PROXY:
        if not (proxy_name and proxy_relationship):
            raise HandOverError(_("Untuk pengambilan diwakilkan, isi nama dan hubungan wakil."))
        if proxy_authority not in HandOver.ProxyAuthority.values:
            raise HandOverError(_("Untuk pengambilan diwakilkan, pilih dasar perwakilan."))
        if id_document_type is None or not id_document_number:
            raise HandOverError(_("Untuk pengambilan diwakilkan, isi dokumen identitas wakil."))
    else:
        proxy_name = proxy_relationship = proxy_authority = ""
    if identity_check == HandOver.IdentityCheck.DOCUMENT and (
        id_document_type is None or not id_document_number
    ):
        raise HandOverError(_("Isi jenis dan nomor dokumen identitas yang diperiksa."))
    if id_document_type is None:
        id_document_number = ""

    now = timezone.now()
    try:
        # A savepoint, so that the outer transaction stays usable if the constraint fires.
        with transaction.atomic():
            handover = HandOver.objects.create(
                receipt=locked,
                card=card,
                kecamatan_id=locked.collection_kecamatan_id,
                clerk=actor,
                handed_at=now,
                collected_by=collected_by,
                identity_check=identity_check,
                id_document_type=id_document_type,
                id_document_number=id_document_number[:40],
                proxy_name=proxy_name[:150],
                proxy_relationship=proxy_relationship[:60],
                proxy_authority=proxy_authority,
                note=note.strip()[:500],
            )
    except IntegrityError:
        # Only reachable if something wrote a hand-over without taking the receipt lock.
        existing = active_handover(locked)
        if existing is None:
            raise
        raise _already_collected(existing) from None

    if collected_by == HandOver.CollectedBy.PROXY:
        event_note = _("Diambil oleh wakil: %(name)s (%(relationship)s).") % {
            "name": proxy_name,
            "relationship": proxy_relationship,
        }
    else:
        event_note = _("Diambil oleh pemilik sendiri.")
    receipt_transition(receipt=locked, to=Status.COLLECTED, actor=actor, note=event_note, at=now)
    receipt.status, receipt.status_changed_at = locked.status, locked.status_changed_at
    receipt.collected_at = locked.collected_at
    return handover


@transaction.atomic(durable=True)
def handover_undo(*, handover: HandOver, actor, reason: str) -> HandOver:
    """Undo a hand-over (supervisor of its kecamatan only): the card is `ready` again.

    The hand-over row stays, marked undone with who, when and why; the receipt's timeline
    gets a collected -> ready event carrying the reason.
    """
    reason = (reason or "").strip()
    # Same lock order as handover_record: receipt first, then the hand-over.
    receipt = Receipt.objects.select_for_update().get(pk=handover.receipt_id)
    locked = HandOver.objects.select_for_update().get(pk=handover.pk)
    _officer_or_refuse(
        actor,
        kecamatan_id=locked.kecamatan_id,
        perm="distribution.undo_handover",
        supervisor=True,
    )
    if locked.undone_at is not None:
        raise HandOverError(_("Serah terima ini sudah dibatalkan."), "handover_already_undone")
    if not reason:
        raise HandOverError(_("Tuliskan alasan pembatalan."))
    now = timezone.now()
    locked.undone_at, locked.undone_by, locked.undo_reason = now, actor, reason[:500]
    locked.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    try:
        receipt_transition(
            receipt=receipt,
            to=Status.READY,
            actor=actor,
            note=(_("Serah terima dibatalkan: %(reason)s") % {"reason": reason})[:500],
            at=now,
        )
    except TransitionError as error:
        raise HandOverError(error.message, error.code) from None
    handover.undone_at, handover.undone_by, handover.undo_reason = now, actor, locked.undo_reason
    return locked
