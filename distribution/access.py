"""Who may use the staff pages and the counter, and on which rows: a clerk's reads are scoped here.

A clerk or supervisor sees only the receipts collected at their own kecamatan. A receipt of
another kecamatan is a 404 that names the kecamatan holding the card (the public page tells
anyone that much, and the clerk can send the resident there) and nothing else about it.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from distribution.models import Dispatch, HandOver, Officer
from receipts.models import Kecamatan, Receipt
from receipts.numbers import MalformedReceiptNumber, normalize_receipt_number


class HeldElsewhere(Http404):
    """The receipt exists, but its card is collected at ``kecamatan``, not here."""

    def __init__(self, kecamatan: Kecamatan):
        super().__init__(kecamatan.name)
        self.kecamatan = kecamatan


def staff_page(*permissions: str):
    """Let through active Disdukcapil staff holding every one of ``permissions``.

    Anonymous visitors are sent to log in (staff sign in through the admin, not the counter's
    login page); a logged-in account without them gets a 403. The staff pages and the staff
    exports both use this one guard.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not (user.is_active and user.is_staff and user.has_perms(permissions)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


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
        try:
            return view(request, *args, **kwargs)
        except HeldElsewhere as elsewhere:
            return render(
                request,
                "distribution/counter_elsewhere.html",
                {"elsewhere": elsewhere.kecamatan},
                status=404,
            )

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
    receipt = (
        receipts_for(officer)
        .select_related("resident__kelurahan", "collection_kecamatan")
        .filter(number=number)
        .first()
    )
    if receipt is None:
        holder = kecamatan_holding(number=number)
        if holder is not None:
            raise HeldElsewhere(holder)
        raise Http404
    return receipt


def kecamatan_holding(*, number: str = "", nik: str = "") -> Kecamatan | None:
    """The kecamatan where the card of this receipt number (or this NIK's newest receipt) is
    collected, whichever kecamatan that is. Only the kecamatan: callers show nothing else."""
    receipts = Receipt.objects.select_related("collection_kecamatan")
    if number:
        receipt = receipts.filter(number=number).first()
    elif nik:
        receipt = receipts.filter(resident__nik=nik).order_by("-recorded_at").first()
    else:
        return None
    return receipt.collection_kecamatan if receipt else None


def dispatches_for(officer: Officer):
    return Dispatch.objects.filter(kecamatan_id=officer.kecamatan_id)


def handovers_for(officer: Officer):
    return HandOver.objects.filter(kecamatan_id=officer.kecamatan_id)


def is_supervisor(user, officer: Officer) -> bool:
    return officer.role == Officer.Role.SUPERVISOR and user.has_perm("distribution.undo_handover")
