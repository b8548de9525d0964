"""The version of what a public lookup shows besides the receipt itself (its one writer).

The lookup cache (portal/lookup_cache.py) serves a rendered body only when the receipt's
status, the moment it last changed and this version are those it was rendered with. Every
write that changes the rest of the page (offices, kelurahan, pickup days, the print queue,
blank stock) bumps the version in its own transaction. It lives here, beside the writers,
because writing is all it does: receipts and distribution call it, and neither needs to
know the cache that reads it.
"""

from django.db.models import F


def bump():
    """Reference data changed: no body rendered before this transaction commits is served.

    Call it as the last write of the transaction: the version row stays locked until commit, and
    writers that take other locks first and this one last cannot deadlock on it.
    """
    from receipts.models import PublicDataVersion

    pk = PublicDataVersion.SINGLETON_ID
    if not PublicDataVersion.objects.filter(pk=pk).update(value=F("value") + 1):
        # The row is made by a migration; if it is gone (a flushed database), start again.
        PublicDataVersion.objects.get_or_create(pk=pk, defaults={"value": 1})
