"""The kecamatan counter (/loket/): find a card, check identity, hand it over, confirm arrivals.

Every view is wrapped in ``counter_view`` (login, Officer row, no caching) and reads rows only
through the ``distribution.access`` scopes, so a clerk never sees another kecamatan's cards.
"""

import datetime
import re

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from disdukcapil.errors import ApplicationError
from disdukcapil.localtime import local_day_bounds, next_local_midnight
from disdukcapil.spreadsheet import BOM, SafeWriter
from distribution.access import (
    counter_view,
    dispatches_for,
    handovers_for,
    is_supervisor,
    kecamatan_holding,
    receipt_or_404,
    receipts_for,
)
from distribution.confirm import arrival_confirm_page, is_confirmed
from distribution.forms_counter import ArrivalForm, DayForm, HandOverForm, SearchForm, UndoForm
from distribution.models import Card, Dispatch, HandOver
from distribution.selectors import active_handover, receipts_by_name, search_rows
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


class CounterLoginView(auth_views.LoginView):
    template_name = "distribution/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # Counter PCs are shared: a session ends at the end of the working day at the latest.
        self.request.session.set_expiry(next_local_midnight())
        return response


@counter_view
def home(request):
    form = SearchForm(request.GET or None)
    query, results, searched, elsewhere = "", [], False, None
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
            found = list(matches[:2])
            if len(found) == 1:
                # A lost receipt recovered by NIK: one card, open it.
                return redirect("loket:receipt", number=found[0].number)
            if not found:
                elsewhere = kecamatan_holding(nik=compact)
        elif any(ch.isdigit() for ch in query):
            matches = scoped.none()
            if number:
                elsewhere = kecamatan_holding(number=number)
        else:
            matches = None
            results = receipts_by_name(
                kecamatan_id=request.officer.kecamatan_id, text=query, limit=SEARCH_LIMIT + 1
            )
        if matches is not None:
            results = list(search_rows(matches)[: SEARCH_LIMIT + 1])
    return render(
        request,
        "distribution/counter_home.html",
        {
            "form": form,
            "query": query,
            "search_autofocus": True,
            "searched": searched,
            "elsewhere": elsewhere,
            "results": results[:SEARCH_LIMIT],
            "truncated": len(results) > SEARCH_LIMIT,
            "limit": SEARCH_LIMIT,
        },
    )


def _card_page(request, receipt, form, *, error="", status=200, proxy_mode=False):
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
            "proxy_mode": proxy_mode,
            "self_checks": HandOverForm.self_check_choices(),
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
        # "Diwakilkan" is a plain link (?wakil=1): the proxy fields need no JavaScript.
        proxy_mode = request.GET.get("wakil") == "1"
        return _card_page(request, receipt, HandOverForm(proxy=proxy_mode), proxy_mode=proxy_mode)
    proxy_mode = request.POST.get("collected_by") == HandOver.CollectedBy.PROXY
    form = HandOverForm(request.POST, proxy=proxy_mode)
    if not form.is_valid():
        return _card_page(request, receipt, form, status=400, proxy_mode=proxy_mode)
    try:
        handover = handover_record(receipt=receipt, actor=request.user, **form.cleaned_data)
    except ApplicationError as refusal:
        # Double submission or a second clerk: show who handed it over, never a 500.
        return _card_page(request, receipt, HandOverForm(), error=refusal.message, status=409)
    # Back to the scan box for the next person; the confirmation names the card just done.
    if handover.collected_by == HandOver.CollectedBy.PROXY:
        who = _("diwakilkan %(name)s (%(relationship)s)") % {
            "name": handover.proxy_name,
            "relationship": handover.proxy_relationship,
        }
    else:
        who = _("pemilik sendiri")
    messages.success(
        request,
        _("Kartu resi %(number)s diserahkan: %(name)s, %(who)s, pukul %(time)s.")
        % {
            "number": receipt.number,
            "name": receipt.resident.full_name,
            "who": who,
            "time": timezone.localtime(handover.handed_at).strftime("%H:%M"),
        },
    )
    return redirect("loket:home")


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
    form = UndoForm(request.POST or None, initial={"handover": handover.pk})
    status = 200
    stale = ""
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["handover"] != handover.pk:
            # The form names another hand-over than the card's current one: refuse, and
            # show the current one with a fresh form (the reason typed is kept).
            stale = _(
                "Formulir ini dibuka untuk serah terima sebelumnya, yang sudah dibatalkan; "
                "kartu ini sudah diserahkan lagi. Tidak ada yang diubah. Periksa serah "
                "terima di bawah, lalu kirim lagi bila memang ini yang harus dibatalkan."
            )
            form = UndoForm(
                initial={"handover": handover.pk, "reason": form.cleaned_data["reason"]}
            )
            status = 409
        elif form.is_valid():
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
            "stale": stale,
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
        if form.is_valid() and dispatch.state == Dispatch.State.SENT and not is_confirmed(request):
            return arrival_confirm_page(
                request,
                dispatch,
                missing=len(form.cleaned_data["missing"]),
                action=reverse("loket:arrival", args=[dispatch.pk]),
                back=reverse("loket:arrival", args=[dispatch.pk]),
                base="distribution/counter_base.html",
            )
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


def _handovers_of_day(officer, day: datetime.date):
    # The day's bounds in WITA, as a range on handed_at (index-friendly, no date cast).
    start, end = local_day_bounds(day)
    return (
        handovers_for(officer)
        .filter(handed_at__gte=start, handed_at__lt=end)
        .select_related("receipt__resident", "clerk", "undone_by")
        .order_by("handed_at", "pk")
    )


def _chosen_day(request):
    """The day asked for (?tanggal=YYYY-MM-DD, today by default) and the form, or a 400 text."""
    form = DayForm(request.GET or None)
    if not request.GET.get("tanggal"):
        return timezone.localdate(), DayForm(initial={"tanggal": timezone.localdate()}), ""
    if not form.is_valid():
        return None, form, " ".join(form.errors.get("tanggal", []))
    return form.cleaned_data["tanggal"], form, ""


@counter_view
def today(request):
    day, form, error = _chosen_day(request)
    if error:
        return render(
            request,
            "distribution/counter_today.html",
            {"form": form, "error": error, "handovers": [], "day": None},
            status=400,
        )
    handovers = list(_handovers_of_day(request.officer, day))
    undone = sum(1 for handover in handovers if handover.undone_at)
    template = (
        "distribution/counter_today_print.html"
        if request.GET.get("cetak") == "1"
        else "distribution/counter_today.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "handovers": handovers,
            # An undone hand-over stays in the list (struck through) but is not counted.
            "handed_over": len(handovers) - undone,
            "undone": undone,
            "day": day,
            "is_today": day == timezone.localdate(),
        },
    )


@counter_view
def today_csv(request):
    day, _form, error = _chosen_day(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"serah-terima-{request.officer.kecamatan.slug}-{day.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The staff dialect (semicolons + BOM): the same spreadsheet opens every export in columns.
    response.write(BOM)
    writer = SafeWriter(response, dialect="staff")
    writer.writerow(
        [_("Waktu"), _("Nomor resi"), _("Nama"), _("Diambil oleh"), _("Petugas"), _("Keterangan")]
    )
    for handover in _handovers_of_day(request.officer, day):
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
