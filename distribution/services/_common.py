"""What the distribution services share: their error, moving many receipts at once, and the
one-time token of a create form."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from disdukcapil.errors import ApplicationError
from distribution.models import IdempotencyKey
from receipts.services import receipts_transition_bulk


class DistributionError(ApplicationError):
    """A stock, printing, dispatch or schedule request the office's rules refuse."""

    default_code = "distribution_refused"


def _transition_all(*, receipt_ids, from_status, to, actor, note, at) -> None:
    """Move every listed receipt or raise, so that the caller's transaction rolls back."""
    moved = receipts_transition_bulk(
        receipt_ids=receipt_ids, from_status=from_status, to=to, actor=actor, note=note, at=at
    )
    if moved != len(receipt_ids):
        raise DistributionError(
            _("Status sebagian resi berubah sementara itu; tidak ada yang disimpan. Coba lagi."),
            "receipts_changed_meanwhile",
        )


class AlreadySubmitted(DistributionError):
    """The form's token was used before: ``record`` says what that submission created."""

    default_code = "already_submitted"

    def __init__(self, record: IdempotencyKey):
        super().__init__(_("Formulir ini sudah tersimpan sebelumnya."))
        self.record = record


def _claim_key(key: str | None, *, kind: str, actor) -> IdempotencyKey | None:
    """Record a create form's token: the first statement of the service's transaction.

    A second submission of the same form meets the unique constraint and raises
    AlreadySubmitted before doing anything. If the first one is still running, PostgreSQL
    makes the insert wait until it commits (then the error) or rolls back (then this one goes
    on as the first): exactly one of them creates, whatever the timing. No other lock is
    held yet, so the wait cannot deadlock. ``key`` None (a form without a token): no record.
    """
    if key is None:
        return None
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(key=key, kind=kind, user=actor)
    except IntegrityError:
        raise AlreadySubmitted(IdempotencyKey.objects.get(user=actor, key=key)) from None


def _settle_key(claim: IdempotencyKey | None, object_id: int | None) -> None:
    """Note what the submission created, in the same transaction."""
    if claim is not None:
        claim.object_id = object_id
        claim.save(update_fields=["object_id"])
