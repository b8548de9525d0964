"""What the distribution services share: their error, and moving many receipts at once."""

from django.utils.translation import gettext as _

from disdukcapil.errors import ApplicationError
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
