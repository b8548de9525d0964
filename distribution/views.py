"""Staff pages of Disdukcapil: blank stock, print runs, dispatches (/staf/).

Every page needs a logged-in staff account with the model permission named on the view;
anonymous visitors are sent to the admin login. Writes are POST only, call one service and
redirect (post/redirect/get) with a message.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from disdukcapil.errors import ApplicationError
from distribution import idempotency, selectors, services
from distribution.access import staff_page
from distribution.confirm import arrival_confirm_page, confirm_page, is_confirmed
from distribution.forms import (
    BlankBatchForm,
    DispatchReceiveForm,
    PickupScheduleForm,
    PrintRunForm,
    SpoilCardForm,
)
from distribution.idempotency import BadToken
from distribution.models import (
    Card,
    Dispatch,
    DispatchItem,
    IdempotencyKey,
    PickupSchedule,
    PrintRun,
)
from distribution.print_run_jobs import print_run_is_direct, print_run_job_create
from distribution.views_print_jobs import announce_run
from receipts.models import Kelurahan
from receipts.selectors import stale_receipts

CARDS_PER_PAGE = 100


def _stale_changelist_url():
    # The receipt admin is built separately; without it the dashboard still shows the count.
    try:
        base = reverse("admin:receipts_receipt_changelist")
    except NoReverseMatch:
        return ""
    # The admin's "macet" filter reads receipts.selectors.stale_receipts, as the count does.
    return f"{base}?macet=ya"


def _dashboard(request, *, batch_form=None, status=200):
    context = {
        "stock": selectors.blank_stock(),
        "status_counts": selectors.receipt_status_counts(),
        "runs": selectors.recent_print_runs(),
        "dispatches": selectors.recent_dispatches(),
        "stale_count": stale_receipts().count(),
        "stale_url": _stale_changelist_url(),
        "batch_form": batch_form or BlankBatchForm(),
    }
    return render(request, "distribution/staff_dashboard.html", context, status=status)


@require_safe
@staff_page("distribution.view_printrun")
def dashboard(request):
    return _dashboard(request)


@require_POST
@staff_page("distribution.add_blankbatch")
def batch_create(request):
    form = BlankBatchForm(request.POST)
    try:
        key = idempotency.submitted_key(request)
    except BadToken:
        return idempotency.refused(request)
    if not form.is_valid():
        return _dashboard(request, batch_form=form, status=400)
    try:
        batch = services.blank_batch_receive(
            **form.cleaned_data, actor=request.user, idempotency_key=key
        )
    except services.AlreadySubmitted as exc:
        return idempotency.replay(
            request, exc.record, kind=IdempotencyKey.Kind.BLANK_BATCH, to="staf:dashboard"
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _dashboard(request, batch_form=form, status=409)
    messages.success(
        request,
        _("Batch %(reference)s dengan %(quantity)s blanko dicatat.")
        % {"reference": batch.reference, "quantity": batch.quantity},
    )
    return redirect("staf:dashboard")


def _run_form_page(request, form, status=200):
    return render(request, "distribution/staff_run_new.html", {"form": form}, status=status)


@require_safe
@staff_page("distribution.add_printrun")
def run_new(request):
    return _run_form_page(request, PrintRunForm())


@require_safe
@staff_page("distribution.add_printrun")
def run_preview(request):
    form = PrintRunForm(request.GET)
    if not form.is_valid():
        return _run_form_page(request, form, status=400)
    try:
        preview = services.print_run_preview(**form.cleaned_data)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _run_form_page(request, form, status=400)
    return render(
        request,
        "distribution/staff_run_preview.html",
        {
            "form": form,
            "preview": preview,
            "data": form.cleaned_data,
            "in_background": not print_run_is_direct(form.cleaned_data["count"]),
        },
    )


@require_POST
@staff_page("distribution.add_printrun")
def run_create(request):
    form = PrintRunForm(request.POST)
    try:
        key = idempotency.submitted_key(request)
    except BadToken:
        return idempotency.refused(request)
    if not form.is_valid():
        return _run_form_page(request, form, status=400)
    try:
        if not print_run_is_direct(form.cleaned_data["count"]):
            # Too big to finish inside gunicorn's timeout: the task worker creates it.
            job, created = print_run_job_create(**form.cleaned_data, actor=request.user, token=key)
            if not created:
                idempotency.say_replayed(request, job.created_at)
            return redirect(job)
        run = services.print_run_create(
            **form.cleaned_data, actor=request.user, idempotency_key=key
        )
    except services.AlreadySubmitted as exc:
        return idempotency.replay(
            request,
            exc.record,
            kind=IdempotencyKey.Kind.PRINT_RUN,
            to="staf:run_detail",
            pk=exc.record.object_id,
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _run_form_page(request, form, status=409)
    announce_run(request, run)
    return redirect("staf:run_detail", pk=run.pk)


@require_safe
@staff_page("distribution.view_printrun")
def run_detail(request, pk):
    run = get_object_or_404(PrintRun.objects.select_related("kecamatan", "created_by"), pk=pk)
    cards = (
        run.cards.select_related("receipt__collection_kecamatan", "batch")
        .annotate(sent=Exists(DispatchItem.objects.filter(card=OuterRef("pk"))))
        .order_by("position")
    )
    page = Paginator(cards, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    # One query for the outcome totals and for the printed cards not yet sent: once a run is
    # dispatched, the "send" button must go away.
    outcome_rows = run.cards.values("outcome").annotate(
        n=Count("pk"),
        unsent=Count("pk", filter=~Q(Exists(DispatchItem.objects.filter(card=OuterRef("pk"))))),
    )
    outcomes = {row["outcome"]: row["n"] for row in outcome_rows}
    unsent = {row["outcome"]: row["unsent"] for row in outcome_rows}
    dispatches = (
        Dispatch.objects.filter(items__card__print_run=run)
        .select_related("kecamatan")
        .annotate(n_items=Count("items", distinct=True))
        .order_by("kecamatan__code")
        .distinct()
    )
    return render(
        request,
        "distribution/staff_run_detail.html",
        {
            "run": run,
            "page": page,
            "outcomes": [(o.value, o.label, outcomes.get(o.value, 0)) for o in Card.Outcome],
            "queued_count": outcomes.get(Card.Outcome.QUEUED, 0),
            "printed_count": outcomes.get(Card.Outcome.PRINTED, 0),
            "unsent_count": unsent.get(Card.Outcome.PRINTED, 0),
            "dispatches": dispatches,
        },
    )


@require_POST
@staff_page("distribution.change_printrun")
def run_mark_printed(request, pk):
    run = get_object_or_404(PrintRun, pk=pk)
    # Only an action that would happen is confirmed; a repeated one goes to the service's refusal.
    if run.state == PrintRun.State.ALLOCATED and not is_confirmed(request):
        queued = run.cards.filter(outcome=Card.Outcome.QUEUED).count()
        return confirm_page(
            request,
            title=_("Tandai proses cetak #%(id)s tercetak?") % {"id": run.pk},
            summary=ngettext(
                '%(count)s kartu akan ditandai tercetak dan pemiliknya melihat "Sudah dicetak". '
                'Ini tidak bisa dibatalkan; kartu yang rusak dicatat dengan "Salah cetak".',
                '%(count)s kartu akan ditandai tercetak dan pemiliknya melihat "Sudah dicetak". '
                'Ini tidak bisa dibatalkan; kartu yang rusak dicatat dengan "Salah cetak".',
                queued,
            )
            % {"count": queued},
            action=reverse("staf:run_mark_printed", args=[run.pk]),
            button=_("Ya, tandai tercetak"),
            back=reverse("staf:run_detail", args=[run.pk]),
        )
    try:
        count = services.print_run_mark_printed(print_run=run, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s kartu ditandai tercetak.", "%(count)s kartu ditandai tercetak.", count
            )
            % {"count": count},
        )
    return redirect("staf:run_detail", pk=run.pk)


@require_POST
@staff_page("distribution.change_card")
def card_spoil(request, pk):
    card = get_object_or_404(Card.objects.select_related("receipt__resident"), pk=pk)
    form = SpoilCardForm(request.POST)
    if card.outcome != Card.Outcome.SPOILED and not is_confirmed(request):
        return confirm_page(
            request,
            title=_("Catat kartu %(serial)s salah cetak?") % {"serial": card.serial},
            summary=_(
                "Blanko kartu ini dihitung rusak (tidak kembali ke stok) dan resi %(number)s "
                "(%(name)s) kembali ke depan antrean cetak. Ini tidak bisa dibatalkan."
            )
            % {"number": card.receipt.number, "name": card.receipt.resident.full_name},
            action=reverse("staf:card_spoil", args=[card.pk]),
            button=_("Ya, catat salah cetak"),
            back=reverse("staf:run_detail", args=[card.print_run_id]),
            note_field=SpoilCardForm()["note"],
            danger=True,
        )
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.card_mark_spoiled(card=card, actor=request.user, note=note)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Kartu %(serial)s dicatat salah cetak; resi %(number)s kembali ke depan antrean.")
            % {"serial": card.serial, "number": card.receipt.number},
        )
    return redirect("staf:run_detail", pk=card.print_run_id)


@require_POST
@staff_page("distribution.add_dispatch")
def run_dispatch(request, pk):
    run = get_object_or_404(PrintRun, pk=pk)
    try:
        key = idempotency.submitted_key(request)
    except BadToken:
        return idempotency.refused(request)
    unsent = (
        run.cards.filter(outcome=Card.Outcome.PRINTED, dispatch_items__isnull=True)
        .values("receipt__collection_kecamatan__name")
        .annotate(n=Count("pk"))
        .order_by("receipt__collection_kecamatan__name")
    )
    if not is_confirmed(request) and unsent:
        return confirm_page(
            request,
            title=_("Kirim kartu proses cetak #%(id)s ke kecamatan?") % {"id": run.pk},
            summary=_(
                "Kartu tercetak yang belum dikirim dicatat dikirim ke kecamatan pengambilannya; "
                'pemiliknya melihat "Dikirim ke kecamatan". Ini tidak bisa dibatalkan.'
            ),
            details=[
                _("%(kecamatan)s: %(count)s kartu")
                % {"kecamatan": row["receipt__collection_kecamatan__name"], "count": row["n"]}
                for row in unsent
            ],
            action=reverse("staf:run_dispatch", args=[run.pk]),
            button=_("Ya, kirim"),
            back=reverse("staf:run_detail", args=[run.pk]),
            carry=(idempotency.FIELD,),
        )
    try:
        dispatches = services.dispatch_create(
            print_run=run, actor=request.user, idempotency_key=key
        )
    except services.AlreadySubmitted as exc:
        if exc.record.object_id is not None:  # the run went out in one dispatch
            to, target = "staf:dispatch_detail", exc.record.object_id
        else:
            to, target = "staf:run_detail", run.pk
        return idempotency.replay(
            request, exc.record, kind=IdempotencyKey.Kind.DISPATCH, to=to, pk=target
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("staf:run_detail", pk=run.pk)
    messages.success(
        request,
        ngettext(
            "Kartu dikirim dalam %(count)s kiriman: %(kecamatan)s.",
            "Kartu dikirim dalam %(count)s kiriman: %(kecamatan)s.",
            len(dispatches),
        )
        % {
            "count": len(dispatches),
            "kecamatan": ", ".join(str(d.kecamatan) for d in dispatches),
        },
    )
    if len(dispatches) == 1:
        return redirect("staf:dispatch_detail", pk=dispatches[0].pk)
    return redirect("staf:run_detail", pk=run.pk)


def _dispatch_page(request, dispatch, *, receive_form=None, schedule_form=None, status=200):
    items = dispatch.items.select_related("card__receipt__resident__kelurahan").order_by(
        "card__receipt__resident__kelurahan__code", "card__position", "pk"
    )
    page = Paginator(items, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    counts = dispatch.items.aggregate(
        n_total=Count("pk"),
        n_arrived=Count("pk", filter=Q(arrived=True)),
        n_missing=Count("pk", filter=Q(arrived=False)),
    )
    schedules = (
        PickupSchedule.objects.filter(
            kecamatan=dispatch.kecamatan, date__gte=timezone.localdate(dispatch.sent_at)
        )
        .select_related("kelurahan")
        .order_by("date", "start_time")
    )
    return render(
        request,
        "distribution/staff_dispatch_detail.html",
        {
            "dispatch": dispatch,
            "page": page,
            "counts": counts,
            "receive_form": receive_form or DispatchReceiveForm(),
            "schedule_form": schedule_form or PickupScheduleForm(),
            "schedules": schedules,
        },
        status=status,
    )


@require_safe
@staff_page("distribution.view_dispatch")
def dispatch_detail(request, pk):
    dispatch = get_object_or_404(Dispatch.objects.select_related("kecamatan"), pk=pk)
    return _dispatch_page(request, dispatch)


@require_POST
@staff_page("distribution.receive_dispatch")
def dispatch_receive(request, pk):
    dispatch = get_object_or_404(Dispatch.objects.select_related("kecamatan"), pk=pk)
    card_ids = dispatch.items.values_list("card_id", flat=True)
    form = DispatchReceiveForm(request.POST, card_choices=[(i, i) for i in card_ids])
    if not form.is_valid():
        return _dispatch_page(request, dispatch, receive_form=form, status=400)
    if dispatch.state == Dispatch.State.SENT and not is_confirmed(request):
        return arrival_confirm_page(
            request,
            dispatch,
            missing=len(form.cleaned_data["missing"]),
            action=reverse("staf:dispatch_receive", args=[dispatch.pk]),
            back=reverse("staf:dispatch_detail", args=[dispatch.pk]),
            base="distribution/staff_confirm_base.html",
        )
    try:
        arrived, missing = services.dispatch_receive(
            dispatch=dispatch,
            actor=request.user,
            missing_card_ids=form.cleaned_data["missing"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        # A double click or a second person confirming: say so on the page, change nothing.
        messages.error(request, exc.message)
        dispatch.refresh_from_db()
        return _dispatch_page(request, dispatch, status=409)
    messages.success(
        request,
        _("Kiriman diterima: %(arrived)s kartu sampai, %(missing)s tidak ada.")
        % {"arrived": arrived, "missing": missing},
    )
    return redirect("staf:dispatch_detail", pk=dispatch.pk)


@require_POST
@staff_page("distribution.add_pickupschedule")
def dispatch_schedule(request, pk):
    dispatch = get_object_or_404(Dispatch.objects.select_related("kecamatan"), pk=pk)
    form = PickupScheduleForm(request.POST)
    try:
        key = idempotency.submitted_key(request)
    except BadToken:
        return idempotency.refused(request)
    if not form.is_valid():
        return _dispatch_page(request, dispatch, schedule_form=form, status=400)
    # One day per kelurahan whose residents have cards in this dispatch, in code order.
    kelurahan = list(
        Kelurahan.objects.filter(residents__receipts__cards__dispatch_items__dispatch=dispatch)
        .distinct()
        .order_by("code")
    )
    entries = services.pickup_schedule_plan(kelurahan=kelurahan, **form.cleaned_data)
    # Told, not refused: a kelurahan with a day already, or cards still on their way.
    warnings = services.pickup_day_warnings(kecamatan=dispatch.kecamatan, entries=entries)
    try:
        published = services.pickup_schedule_publish(
            kecamatan=dispatch.kecamatan, entries=entries, actor=request.user, idempotency_key=key
        )
    except services.AlreadySubmitted as exc:
        return idempotency.replay(
            request,
            exc.record,
            kind=IdempotencyKey.Kind.PICKUP_DAYS,
            to="staf:dispatch_detail",
            pk=dispatch.pk,
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _dispatch_page(request, dispatch, schedule_form=form, status=400)
    messages.success(
        request,
        _("%(count)s jadwal pengambilan diterbitkan untuk %(kecamatan)s.")
        % {"count": len(published), "kecamatan": dispatch.kecamatan},
    )
    for warning in warnings:
        messages.warning(request, warning)
    return redirect("staf:dispatch_detail", pk=dispatch.pk)
