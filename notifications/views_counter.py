"""At the counter: correct a resident's phone/e-mail and record their consent (audited).

Kept apart from the hand-over screen (distribution/views_counter.py): its own URL, view and
template, linked from the card page. Same access rule as the counter: the clerk's own
kecamatan only, anything else a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from distribution.access import counter_view, receipt_or_404
from notifications.consent import contact_update_at_counter
from notifications.forms import ContactForm
from notifications.models import ChannelOptOut, ConsentEvent, ResidentLanguage


@counter_view
@require_http_methods(["GET", "POST"])
def contact(request, number):
    receipt = receipt_or_404(request.officer, number)
    if not request.user.has_perm("notifications.record_consent"):
        raise PermissionDenied
    resident = receipt.resident
    opted_out = set(
        ChannelOptOut.objects.filter(resident=resident).values_list("channel", flat=True)
    )
    initial = {
        "phone": resident.phone,
        "email": resident.email,
        "consent": [c for c in ("whatsapp", "sms", "email") if c not in opted_out],
        "language": ResidentLanguage.objects.filter(resident=resident)
        .values_list("language", flat=True)
        .first()
        or "id",
    }
    form = ContactForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            contact_update_at_counter(
                resident=resident,
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                consent_channels=form.cleaned_data["consent"],
                language=form.cleaned_data["language"],
                actor=request.user,
            )
            messages.success(request, _("Kontak dan persetujuan disimpan."))
            return redirect("loket:receipt", number=receipt.number)
        status = 400
    history = ConsentEvent.objects.filter(resident=resident).select_related("actor")[:20]
    context = {"receipt": receipt, "form": form, "history": history}
    return render(request, "notifications/counter_contact.html", context, status=status)
