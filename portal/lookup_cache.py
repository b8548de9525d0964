"""Rendered lookup results (the /cek/ page and the API body), kept in each worker's memory.

A resident's status must never be stale, so a cached body is used only when it was rendered
for what the database holds *now*. Every lookup still makes one query on the unique index of
the receipt number (as any page must): when a body is kept for the number, the stamp query
(``selectors.receipt_stamp``); when none is (a resident's first lookup, most of real traffic),
the lookup's own statement, which reads the same stamp with the page's data. The stamp is the
receipt's status, the moment it last changed, and the value of ``PublicDataVersion``, and a
kept body is served only when all three match the ones it was rendered with:

- every status change goes through ``receipts.services``, which always moves
  ``status_changed_at``: after a hand-over or an arrival the old body is unusable at once;
- the rest of the page is reference data: the kecamatan's office and hours, the kelurahan's
  name, the pickup days, and for a waiting receipt the queue estimate (blank stock, printing
  rate, receipts ahead). Whatever changes those calls ``receipts.public_version.bump()``, an
  UPDATE of the version row inside its own transaction (signals for saves through the admin,
  explicit calls in the services that write in bulk). The new value becomes visible exactly when the change does,
  on every worker: there is nothing to broadcast and no window between commit and invalidation;
- a waiting receipt's queue position moves whenever any receipt joins or leaves the queue
  ahead of it, so ``receipts.services`` bumps the version on every change into or out of
  ``recorded`` (a new receipt, a hold, a cancellation, a misprint sent back);
- the figures behind a waiting receipt's estimate (blanks left, cards allocated, printing days,
  printed-to-ready times, holidays) are one row, ``distribution.PrintingPlan``, recomputed by
  the same writers in the same transaction before they bump the version
  (distribution/printing_stats.py), so they are exactly as fresh as the version;
- the date is part of the stamp, so the pickup days ("from today on") and the estimate (its
  measuring window and working days count from today) are recomputed at midnight.

The bodies live in the ``lookup`` cache (local memory of each gunicorn worker, LRU-bounded by
``LOOKUP_CACHE_ENTRIES``): reading them costs no network round trip, which is what makes a
cached lookup nearly as cheap as the bare one-query view (bench/lookup.py). ``LOOKUP_CACHE_SECONDS
= 0`` turns caching off.
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from receipts import public_version

logger = logging.getLogger(__name__)

CACHE_ALIAS = "lookup"
# Rendered into a cached page instead of the per-request CSRF token, replaced on the way out.
CSRF_PLACEHOLDER = "csrf-placeholder-" + "0" * 47


def enabled() -> bool:
    return settings.LOOKUP_CACHE_SECONDS > 0


def stamp(row: tuple) -> tuple:
    """What a cached body must have been rendered for: the stamp row (status,
    status_changed_at, version) read in the same statement as the body's data
    (``selectors.receipt_lookup``) or on its own to validate a kept body
    (``selectors.receipt_stamp``), and today's date."""
    return (*row, timezone.localdate())


def _key(kind: str, language: str, number: str) -> str:
    return f"{kind}:{language}:{number}"


def entry(kind: str, language: str, number: str) -> tuple[tuple, str] | None:
    """The kept (rendered_for, body), or None: the caller checks ``rendered_for`` against
    the stamp it reads (portal.views._result_body), and reads no stamp when nothing is kept."""
    return caches[CACHE_ALIAS].get(_key(kind, language, number))


def get(kind: str, language: str, number: str, current: tuple) -> str | None:
    kept = entry(kind, language, number)
    if kept is not None and kept[0] == current:
        return kept[1]
    return None


def put(kind: str, language: str, number: str, rendered_for: tuple, body: str):
    if rendered_for[2] is None:  # no version row (see public_version): nothing to check against
        return
    entry = (rendered_for, body)
    caches[CACHE_ALIAS].set(_key(kind, language, number), entry, settings.LOOKUP_CACHE_SECONDS)


def _reference_data_changed(sender, **kwargs):
    public_version.bump()


def connect_signals():
    """Saves and deletes of the reference data a result page shows (through the admin, mostly).

    Bulk writes send no signals: the services that make them call ``public_version.bump()``
    (print runs, printed and spoiled cards, published pickup days, the import), and so does the
    admin when it changes a receipt's office or recording time.
    """
    from django.db.models.signals import post_delete, post_save

    from distribution.models import PickupSchedule
    from receipts.models import HeadOffice, Kecamatan, Kelurahan, Resident

    # Resident: the masked name and the kelurahan (hence office and pickup days) on the page.
    # Blank batches, holidays and the printing capacity: distribution.printing_stats, which
    # refreshes the estimate's figures first and then bumps the version (its lock order).
    for model in (HeadOffice, Kecamatan, Kelurahan, Resident, PickupSchedule):
        uid = f"lookup_cache:{model._meta.label}"
        post_save.connect(_reference_data_changed, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(_reference_data_changed, sender=model, dispatch_uid=uid + ":delete")
