"""Who may use the counter, and on which rows: everything a clerk reads is scoped here.

A clerk or supervisor sees only the receipts collected at their own kecamatan. Rows of
another kecamatan are a 404, exactly like rows that do not exist, so nothing leaks.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from distribution.models import Dispatch, HandOver, Officer
from receipts.models import Receipt
from receipts.numbers import MalformedReceiptNumber, normalize_receipt_number


def counter_view(view):
    """Require login and an Officer row; set ``request.officer``; never cache the page.

    Counter pages carry NIK and birth dates: ``never_cache`` sends
    ``Cache-Control: private, no-store`` so a shared browser does not keep them.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        officer = Officer.objects.select_related("kecamatan").filter(user=request.user).first()
        if officer is None:
            return render(request, "distribution/counter_forbidden.html", status=403)
        request.officer = officer
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapper))


def receipts_for(officer: Officer):
    """Receipts collected at the officer's kecamatan: filter by this before anything else."""
    return Receipt.objects.filter(collection_kecamatan_id=officer.kecamatan_id)


def receipt_or_404(officer: Officer, number: str) -> Receipt:
    """The officer's receipt with this (possibly unnormalised) number, or 404."""
    try:
        number = normalize_receipt_number(number)
    except MalformedReceiptNumber:
        raise Http404 from None
    return get_object_or_404(
        receipts_for(officer).select_related("resident__kelurahan", "collection_kecamatan"),
        number=number,
    )


def dispatches_for(officer: Officer):
    return Dispatch.objects.filter(kecamatan_id=officer.kecamatan_id)


def handovers_for(officer: Officer):
    return HandOver.objects.filter(kecamatan_id=officer.kecamatan_id)


def is_supervisor(user, officer: Officer) -> bool:
    return officer.role == Officer.Role.SUPERVISOR and user.has_perm("distribution.undo_handover")
