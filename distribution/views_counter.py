"""The kecamatan counter (/loket/): find a card, check identity, hand it over, confirm arrivals.

Every view is wrapped in ``counter_view`` (login, Officer row, no caching) and reads rows only
through the ``distribution.access`` scopes, so a clerk never sees another kecamatan's cards.
"""

import datetime
import re

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from disdukcapil.errors import ApplicationError
from disdukcapil.spreadsheet import SafeWriter
from distribution.access import (
    counter_view,
    dispatches_for,
    handovers_for,
    is_supervisor,
    receipt_or_404,
    receipts_for,
)
from distribution.forms_counter import ArrivalForm, HandOverForm, SearchForm, UndoForm
from distribution.models import Card, Dispatch
from distribution.selectors import active_handover
from distribution.services import (
    describe_handover,
    dispatch_receive,
    handover_record,
    handover_undo,
)
from receipts.models import ReceiptEvent, Status
from receipts.numbers import MalformedReceiptNumber, normalize_receipt_number

SEARCH_LIMIT = 50
_NIK_RE = re.compile(r"^\d{16}$")


def next_local_midnight(now=None) -> datetime.datetime:
    """The coming midnight in the site's time zone (Asia/Makassar), as an aware datetime."""
    local = timezone.localtime(now)
    tomorrow = local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time.min, tzinfo=local.tzinfo)


class CounterLoginView(auth_views.LoginView):
    template_name = "distribution/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # Counter PCs are shared: a session ends at the end of the working day at the latest.
        self.request.session.set_expiry(next_local_midnight())
        return response


def _local_day_bounds():
    start = datetime.datetime.combine(
        timezone.localdate(), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    return start, start + datetime.timedelta(days=1)


@counter_view
def home(request):
    form = SearchForm(request.GET or None)
    query, results, searched = "", [], False
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        searched = True
        # Scope first: only receipts collected at this kecamatan are ever searched.
        scoped = receipts_for(request.officer)
        compact = re.sub(r"[\s\-]+", "", query)
        try:
            number = normalize_receipt_number(query)
        except MalformedReceiptNumber:
            number = None
        if number and scoped.filter(number=number).exists():
            # A scanned or typed receipt number: straight to the card (scanner flow).
            return redirect("loket:receipt", number=number)
        if _NIK_RE.match(compact):
            matches = scoped.filter(resident__nik=compact)
        elif any(ch.isdigit() for ch in query):
            matches = scoped.none()
        else:
            words = query.split()
            matches = scoped
            for word in words:
                # Prefix match on each word of the name, case-insensitive.
                matches = matches.filter(
                    Q(resident__full_name__istartswith=word)
                    | Q(resident__full_name__icontains=" " + word)
                )
        results = list(
            matches.select_related("resident__kelurahan").order_by(
                "resident__full_name", "-recorded_at"
            )[: SEARCH_LIMIT + 1]
        )
    return render(
        request,
        "distribution/counter_home.html",
        {
            "form": form,
            "query": query,
            "searched": searched,
            "results": results[:SEARCH_LIMIT],
            "truncated": len(results) > SEARCH_LIMIT,
            "limit": SEARCH_LIMIT,
        },
    )


def _card_page(request, receipt, form, *, error="", status=200):
    handover = active_handover(receipt)
    card = Card.objects.filter(receipt=receipt).exclude(outcome=Card.Outcome.SPOILED).first()
    events = (
        ReceiptEvent.objects.filter(receipt=receipt).select_related("actor").order_by("at", "pk")
    )
    if handover is not None:
        why_not = describe_handover(handover)
    elif receipt.status != Status.READY:
        why_not = _("Kartu belum bisa diserahkan (status: %(status)s).") % {
            "status": receipt.get_status_display()
        }
        if receipt.status in (Status.RECORDED, Status.QUEUED, Status.PRINTED, Status.DISPATCHED):
            why_not = _("Kartu belum sampai di kecamatan (status: %(status)s).") % {
                "status": receipt.get_status_display()
            }
    elif card is None:
        why_not = _("Tidak ada kartu tercetak untuk resi ini.")
    else:
        why_not = ""
    return render(
        request,
        "distribution/counter_receipt.html",
        {
            "receipt": receipt,
            "resident": receipt.resident,
            "card": card,
            "events": events,
            "handover": handover,
            "why_not": why_not,
            "form": form,
            "error": error,
            "can_undo": handover is not None and is_supervisor(request.user, request.officer),
        },
        status=status,
    )


@counter_view
@require_http_methods(["GET", "POST"])
def receipt_detail(request, number):
    receipt = receipt_or_404(request.officer, number)
    if request.method != "POST":
        return _card_page(request, receipt, HandOverForm())
    form = HandOverForm(request.POST)
    if not form.is_valid():
        return _card_page(request, receipt, form, status=400)
    try:
        handover_record(receipt=receipt, actor=request.user, **form.cleaned_data)
    except ApplicationError as refusal:
        # Double submission or a second clerk: show who handed it over, never a 500.
        return _card_page(request, receipt, HandOverForm(), error=refusal.message, status=409)
    messages.success(
        request,
        _("Kartu resi %(number)s diserahkan.") % {"number": receipt.number},
    )
    return redirect("loket:receipt", number=receipt.number)


@counter_view
@require_http_methods(["GET", "POST"])
def handover_undo_view(request, number):
    receipt = receipt_or_404(request.officer, number)
    if not is_supervisor(request.user, request.officer):
        return render(request, "distribution/counter_undo_forbidden.html", status=403)
    handover = active_handover(receipt)
    if handover is None:
        nothing = _("Tidak ada serah terima yang bisa dibatalkan untuk resi ini.")
        if request.method == "POST":
            # Undone already (a double click, or another supervisor): refuse, never redo.
            return _card_page(request, receipt, HandOverForm(), error=nothing, status=409)
        messages.info(request, nothing)
        return redirect("loket:receipt", number=receipt.number)
    form = UndoForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                handover_undo(
                    handover=handover, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as refusal:
                form.add_error(None, refusal.message)
                status = 409
            else:
                messages.success(
                    request,
                    _("Serah terima resi %(number)s dibatalkan; kartu kembali siap diambil.")
                    % {"number": receipt.number},
                )
                return redirect("loket:receipt", number=receipt.number)
        else:
            status = 400
    return render(
        request,
        "distribution/counter_undo.html",
        {
            "receipt": receipt,
            "handover": handover,
            "summary": describe_handover(handover),
            "form": form,
        },
        status=status,
    )


@counter_view
def arrivals(request):
    pending = (
        dispatches_for(request.officer)
        .filter(state=Dispatch.State.SENT)
        .select_related("sent_by")
        .annotate(card_count=Count("items"))
        .order_by("sent_at")
    )
    return render(request, "distribution/counter_arrivals.html", {"dispatches": pending})


@counter_view
@require_http_methods(["GET", "POST"])
def arrival_confirm(request, pk):
    dispatch = get_object_or_404(dispatches_for(request.officer), pk=pk)
    # A POST goes on to the service, which refuses a confirmed dispatch with a 409 and says
    # when it was confirmed (a double click, or two clerks at once).
    if dispatch.state != Dispatch.State.SENT and request.method != "POST":
        messages.info(request, _("Kiriman ini sudah dikonfirmasi."))
        return redirect("loket:arrivals")
    items = list(
        dispatch.items.select_related("card__receipt__resident").order_by("card__receipt__number")
    )
    form = ArrivalForm(request.POST or None, items=items)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("distribution.receive_dispatch"):
            raise Http404
        if form.is_valid():
            try:
                arrived, missing = dispatch_receive(
                    dispatch=dispatch,
                    actor=request.user,
                    missing_card_ids=[int(pk) for pk in form.cleaned_data["missing"]],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as refusal:
                form.add_error(None, refusal.message)
                status = 409
            else:
                messages.success(
                    request,
                    _(
                        "Kiriman dikonfirmasi: %(arrived)s kartu siap diambil, %(missing)s tidak ada."
                    )
                    % {"arrived": arrived, "missing": missing},
                )
                return redirect("loket:arrivals")
        else:
            status = 400
    return render(
        request,
        "distribution/counter_arrival.html",
        {"dispatch": dispatch, "items": items, "form": form},
        status=status,
    )


def _todays_handovers(officer):
    start, end = _local_day_bounds()
    return (
        handovers_for(officer)
        .filter(handed_at__gte=start, handed_at__lt=end)
        .select_related("receipt__resident", "clerk", "undone_by")
        .order_by("handed_at", "pk")
    )


@counter_view
def today(request):
    return render(
        request,
        "distribution/counter_today.html",
        {"handovers": _todays_handovers(request.officer), "day": timezone.localdate()},
    )


@counter_view
def today_csv(request):
    day = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"serah-terima-{request.officer.kecamatan.slug}-{day.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = SafeWriter(response, dialect="plain")
    writer.writerow(
        [_("Waktu"), _("Nomor resi"), _("Nama"), _("Diambil oleh"), _("Petugas"), _("Keterangan")]
    )
    for handover in _todays_handovers(request.officer):
        collector = handover.get_collected_by_display()
        if handover.proxy_name:
            collector = f"{collector}: {handover.proxy_name} ({handover.proxy_relationship})"
        remark = ""
        if handover.undone_at:
            remark = _("Dibatalkan %(time)s oleh %(user)s: %(reason)s") % {
                "time": timezone.localtime(handover.undone_at).strftime("%H:%M"),
                "user": handover.undone_by.get_username(),
                "reason": handover.undo_reason,
            }
        writer.writerow(
            [
                timezone.localtime(handover.handed_at).strftime("%H:%M"),
                handover.receipt.number,
                handover.receipt.resident.full_name,
                collector,
                handover.clerk.get_username(),
                remark,
            ]
        )
    return response
