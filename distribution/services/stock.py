"""Blank stock: recording deliveries of blank cards from Ditjen Dukcapil."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.models import BlankBatch, IdempotencyKey
from distribution.services._common import DistributionError, _claim_key, _settle_key

logger = logging.getLogger(__name__)


@transaction.atomic
def blank_batch_receive(
    *,
    reference: str,
    quantity: int,
    received_on: datetime.date,
    actor,
    note: str = "",
    idempotency_key: str | None = None,
) -> BlankBatch:
    """Record a delivery of blank cards from Ditjen Dukcapil.

    ``idempotency_key``: the form's token; a second submission with it raises AlreadySubmitted.
    """
    claim = _claim_key(idempotency_key, kind=IdempotencyKey.Kind.BLANK_BATCH, actor=actor)
    reference = (reference or "").strip()
    if not reference:
        raise DistributionError(_("Nomor surat/referensi batch wajib diisi."))
    if quantity is None or quantity <= 0:
        raise DistributionError(_("Jumlah blanko harus lebih dari nol."))
    if received_on > timezone.localdate():
        raise DistributionError(_("Tanggal diterima tidak boleh di masa depan."))
    # The unique constraint on reference is the backstop if two people record the same letter
    # at once; this check only gives the usual case a friendly message.
    if BlankBatch.objects.filter(reference=reference).exists():
        raise DistributionError(
            _("Batch dengan referensi %(reference)s sudah dicatat.") % {"reference": reference},
            "batch_reference_taken",
        )
    batch = BlankBatch.objects.create(
        reference=reference,
        quantity=quantity,
        received_on=received_on,
        note=note[:255],
        received_by=actor,
    )
    _settle_key(claim, batch.pk)
    logger.info("blank batch %s (%s blanks) recorded by %s", reference, quantity, actor)
    return batch
