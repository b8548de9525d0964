"""The resident's opt-out page (a signed link in every e-mail)."""

from django.core import signing
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from notifications.consent import channel_opt_out
from notifications.models import Channel

# Links stay valid for a year: an old e-mail must still let the resident stop the next one.
TOKEN_MAX_AGE = 366 * 24 * 3600


@never_cache
def opt_out(request, token):
    """GET shows a confirmation button (mail scanners follow links); POST opts out."""
    try:
        data = signing.loads(token, salt="notifications.optout", max_age=TOKEN_MAX_AGE)
        resident_id, channel = int(data["r"]), Channel(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return render(request, "notifications/opt_out.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        channel_opt_out(resident_id=resident_id, channel=channel, source="email_link")
        done = True
    return render(request, "notifications/opt_out.html", {"done": done, "channel": channel.label})
