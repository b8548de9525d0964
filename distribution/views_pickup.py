"""Pickup days: the list per kecamatan, and the sign-off list of cards for one day.

The sign-off list is what the counter prints the evening before a kelurahan's pickup day: the
cards waiting for that kelurahan in the order they sit in the box (by serial), with a column
for the resident's signature. The counter sees its own kecamatan; staff see every kecamatan.
"""

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from disdukcapil.errors import ApplicationError
from disdukcapil.spreadsheet import BOM, SafeWriter
from distribution import services
from distribution.access import counter_view
from distribution.confirm import confirm_page, is_confirmed
from distribution.forms import PickupDayForm
from distribution.models import PickupSchedule
from distribution.selectors import pickup_day_cards, pickup_days_with_counts
from distribution.views import staff_page
from receipts.models import Kecamatan


def _sign_off_page(request, schedule, *, back_url: str, csv_url: str):
    cards = list(pickup_day_cards(schedule))
    return render(
        request,
        "distribution/pickup_day_list.html",
        {"schedule": schedule, "cards": cards, "back_url": back_url, "csv_url": csv_url},
    )


def _sign_off_csv(schedule) -> HttpResponse:
    kelurahan = schedule.kelurahan.name if schedule.kelurahan else _("semua-kelurahan")
    filename = f"pengambilan-{schedule.kecamatan.slug}-{schedule.date.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)  # the staff dialect, as every export: ';' and a BOM
    writer = SafeWriter(response, dialect="staff")
    writer.writerow([_("Kecamatan"), schedule.kecamatan.name, _("Kelurahan"), kelurahan])
    writer.writerow([_("Tanggal"), schedule.date.isoformat(), _("Tempat"), schedule.place])
    writer.writerow(
        [
            _("No."),
            _("Nomor seri kartu"),
            _("Nomor resi"),
            _("Nama"),
            _("Kelurahan"),
            _("Tanda tangan"),
            _("Tanggal diambil"),
        ]
    )
    for position, card in enumerate(pickup_day_cards(schedule), start=1):
        writer.writerow(
            [
                position,
                card.serial,
                card.receipt.number,
                card.receipt.resident.full_name,
                card.receipt.resident.kelurahan.name,
                "",
                "",
            ]
        )
    return response


def _counter_schedule(request, pk):
    return get_object_or_404(
        PickupSchedule.objects.select_related("kecamatan", "kelurahan"),
        pk=pk,
        kecamatan_id=request.officer.kecamatan_id,
    )


@counter_view
@require_safe
def counter_pickup_days(request):
    days = pickup_days_with_counts(
        kecamatan_id=request.officer.kecamatan_id,
        since=timezone.localdate() - datetime.timedelta(days=7),
    )
    return render(request, "distribution/counter_pickup_days.html", {"days": days})


@counter_view
@require_safe
def counter_pickup_day(request, pk):
    schedule = _counter_schedule(request, pk)
    return _sign_off_page(
        request,
        schedule,
        back_url=reverse("loket:pickup_days"),
        csv_url=reverse("loket:pickup_day_csv", args=[schedule.pk]),
    )


@counter_view
@require_safe
def counter_pickup_day_csv(request, pk):
    return _sign_off_csv(_counter_schedule(request, pk))


# --- staff (/staf/jadwal/): every kecamatan, correct and cancel -----------------------------


def _staff_schedule(pk):
    return get_object_or_404(PickupSchedule.objects.select_related("kecamatan", "kelurahan"), pk=pk)


@require_safe
@staff_page("distribution.view_pickupschedule")
def staff_pickup_days(request):
    kecamatan = Kecamatan.objects.order_by("code")
    chosen = request.GET.get("kecamatan", "")
    chosen_id = next((k.pk for k in kecamatan if k.slug == chosen), None)
    days = pickup_days_with_counts(kecamatan_id=chosen_id, since=timezone.localdate())
    return render(
        request,
        "distribution/staff_pickup_days.html",
        {"days": days, "kecamatan": kecamatan, "chosen": chosen},
    )


@require_safe
@staff_page("distribution.view_pickupschedule")
def staff_pickup_day(request, pk):
    schedule = _staff_schedule(pk)
    return _sign_off_page(
        request,
        schedule,
        back_url=reverse("staf:pickup_days"),
        csv_url=reverse("staf:pickup_day_csv", args=[schedule.pk]),
    )


@require_safe
@staff_page("distribution.view_pickupschedule")
def staff_pickup_day_csv(request, pk):
    return _sign_off_csv(_staff_schedule(pk))


@require_http_methods(["GET", "POST"])
@staff_page("distribution.change_pickupschedule")
def staff_pickup_day_edit(request, pk):
    schedule = _staff_schedule(pk)
    initial = {
        "date": schedule.date,
        "start_time": schedule.start_time,
        "end_time": schedule.end_time,
        "place": schedule.place,
        "note": schedule.note,
    }
    form = PickupDayForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                updated = services.pickup_schedule_update(
                    schedule=schedule, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as refusal:
                form.add_error(None, refusal.message)
                status = 400
            else:
                messages.success(
                    request,
                    _("Jadwal %(kelurahan)s diubah ke %(date)s.")
                    % {
                        "kelurahan": updated.kelurahan or _("semua kelurahan"),
                        "date": updated.date.strftime("%d-%m-%Y"),
                    },
                )
                entry = services.PickupEntry(
                    kelurahan=updated.kelurahan,
                    date=updated.date,
                    start_time=updated.start_time,
                    end_time=updated.end_time,
                )
                for warning in services.pickup_day_warnings(
                    kecamatan=updated.kecamatan, entries=[entry], exclude_pk=updated.pk
                ):
                    messages.warning(request, warning)
                return redirect(
                    reverse("staf:pickup_days") + f"?kecamatan={updated.kecamatan.slug}"
                )
        else:
            status = 400
    return render(
        request,
        "distribution/staff_pickup_day_edit.html",
        {"schedule": schedule, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
# Cancelling is a correction of what residents were told (audited), not a deletion of
# history: it needs the change permission, which staff hold (distribution.roles).
@staff_page("distribution.change_pickupschedule")
def staff_pickup_day_cancel(request, pk):
    schedule = _staff_schedule(pk)
    back = reverse("staf:pickup_days") + f"?kecamatan={schedule.kecamatan.slug}"
    if request.method == "POST" and is_confirmed(request):
        try:
            services.pickup_schedule_cancel(schedule=schedule, actor=request.user)
        except ApplicationError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                _("Jadwal %(kelurahan)s tanggal %(date)s dibatalkan.")
                % {
                    "kelurahan": schedule.kelurahan or _("semua kelurahan"),
                    "date": schedule.date.strftime("%d-%m-%Y"),
                },
            )
        return redirect(back)
    waiting = pickup_day_cards(schedule).count()
    return confirm_page(
        request,
        title=_("Batalkan jadwal pengambilan %(date)s?")
        % {"date": schedule.date.strftime("%d-%m-%Y")},
        summary=_(
            "Hari pengambilan %(kelurahan)s di %(kecamatan)s hilang dari halaman publik; "
            "%(count)s kartu yang menunggu tetap bisa diambil di loket pada jam biasa."
        )
        % {
            "kelurahan": schedule.kelurahan or _("semua kelurahan"),
            "kecamatan": schedule.kecamatan,
            "count": waiting,
        },
        action=reverse("staf:pickup_day_cancel", args=[schedule.pk]),
        button=_("Ya, batalkan jadwal"),
        back=back,
        danger=True,
    )
