"""What the distribution services share: their error, and moving many receipts at once."""

from django.db import connection
from django.utils.translation import gettext as _

from receipts.services import receipts_transition_bulk


class DistributionError(Exception):
    """A request the office's rules refuse; ``message`` is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _transition_all(*, receipt_ids, from_status, to, actor, note, at) -> None:
    """Move every listed receipt or raise, so that the caller's transaction rolls back."""
    moved = receipts_transition_bulk(
        receipt_ids=receipt_ids, from_status=from_status, to=to, actor=actor, note=note, at=at
    )
    if moved != len(receipt_ids):
        raise DistributionError(
            _("Status sebagian resi berubah sementara itu; tidak ada yang disimpan. Coba lagi.")
        )


def _bulk_batch_size() -> int | None:
    # PostgreSQL takes one INSERT for the whole run; SQLite needs its parameter bound.
    return 100 if connection.features.max_query_params else None
