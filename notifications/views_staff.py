"""Staff page of the notifications (/staf/notifikasi/): figures, failures, texts, order."""

import datetime

from django.contrib import messages
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from disdukcapil.errors import ApplicationError
from distribution.views import staff_page
from notifications import rendering, services
from notifications.forms import ChannelOrderForm, MessageTemplateForm
from notifications.models import Channel, Message, MessageState, Occasion
from notifications.occasions import channel_order

DAYS = 14
FAILED_SHOWN = 50


def _per_day():
    since = timezone.now() - datetime.timedelta(days=DAYS)
    rows = (
        Message.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "channel", "state")
        .annotate(n=Count("id"))
        .order_by("-day", "channel", "state")
    )
    return list(rows)


def _per_kecamatan():
    rows = (
        Message.objects.values("receipt__collection_kecamatan__name", "state")
        .annotate(n=Count("id"))
        .order_by("receipt__collection_kecamatan__name", "state")
    )
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        name = row["receipt__collection_kecamatan__name"]
        table.setdefault(name, {})[row["state"]] = row["n"]
    return [
        (name, [counts.get(state, 0) for state in MessageState.values])
        for name, counts in table.items()
    ]


@require_safe
@staff_page("notifications.view_message")
def overview(request):
    order = channel_order()
    order_form = ChannelOrderForm(
        initial={"first": order[0], "second": order[1], "third": order[2]}
        if len(order) == 3
        else None
    )
    failed = (
        Message.objects.filter(state=MessageState.FAILED)
        .select_related("receipt")
        .order_by("-finished_at", "-pk")[:FAILED_SHOWN]
    )
    templates = [
        (occasion, channel, language)
        for occasion in Occasion
        for channel in Channel
        for language in ("id", "en")
    ]
    context = {
        "per_day": _per_day(),
        "per_kecamatan": _per_kecamatan(),
        "states": MessageState.choices,
        "failed": failed,
        "order_form": order_form,
        "templates": templates,
    }
    return render(request, "notifications/staff_overview.html", context)


@require_POST
@staff_page("notifications.resend_message")
def resend(request, pk):
    message = get_object_or_404(Message, pk=pk)
    try:
        services.message_resend(message=message, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Pesan dijadwalkan untuk dikirim ulang."))
    return redirect("notifications_staff:overview")


@require_POST
@staff_page("notifications.change_channelorder")
def order_set(request):
    form = ChannelOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or _("Urutan tidak sah."))
    else:
        services.channel_order_set(order=form.cleaned_data["order"], actor=request.user)
        messages.success(request, _("Urutan saluran disimpan."))
    return redirect("notifications_staff:overview")


@require_http_methods(["GET", "POST"])
@staff_page("notifications.change_messagetemplate")
def template_edit(request, occasion, channel, language):
    if occasion not in Occasion.values or channel not in Channel.values:
        raise Http404
    if language not in ("id", "en"):
        raise Http404
    current = rendering.template_for(occasion=occasion, channel=channel, language=language)
    initial = {
        "subject": current["subject"],
        "body": current["body"],
        "whatsapp_template": current["whatsapp_template"],
    }
    form = MessageTemplateForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid() and "save" in request.POST:
            services.template_save(
                occasion=occasion,
                channel=channel,
                language=language,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                whatsapp=form.cleaned_data["whatsapp_template"],
                actor=request.user,
            )
            messages.success(request, _("Templat disimpan."))
            return redirect(request.path)
        if not form.is_valid():
            status = 400
    body = form.cleaned_data["body"] if form.is_bound and form.is_valid() else initial["body"]
    preview = rendering.render(body, rendering.SAMPLE_FACTS)
    context = {
        "form": form,
        "occasion": Occasion(occasion),
        "channel": Channel(channel),
        "language": language,
        "preview": preview,
        "length": rendering.sms_length(preview),
        "placeholders": rendering.PLACEHOLDERS.items(),
    }
    return render(request, "notifications/staff_template.html", context, status=status)
