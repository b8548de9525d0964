"""The one-time token of the staff create forms (issue 16, finding 14).

A create form carries a hidden ``idempotency_key``: random, made when the form is rendered
(``{% idempotency_field %}``; a form shown again after an error keeps its token, nothing was
created with it). The view passes it to the service, which records it in the transaction that
creates the rows (services._claim_key). Submitted again — a retry after a dropped connection
or a gunicorn timeout, a double click, a reload of the POST — it is answered with a redirect
to what the first submission created and the message "sudah tersimpan sebelumnya", and
nothing is created twice, even when both submissions run at the same moment.

No token (an old page, a script): the form works as before, without that protection. A token
that is not one (wrong shape) or that this account used on another kind of form: 400.
"""

import re
import secrets

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.models import IdempotencyKey

FIELD = "idempotency_key"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class BadToken(Exception):  # noqa: N818 - a refusal, answered with 400
    pass


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_token(value: str) -> bool:
    return bool(_TOKEN.fullmatch(value or ""))


def submitted_key(request) -> str | None:
    """The token the form carried; None without one; BadToken when it is not a token."""
    value = request.POST.get(FIELD, "")
    if not value:
        return None
    if not is_token(value):
        raise BadToken
    return value


def refused(request):
    """400 for a token that is not one, or that answers another form."""
    return render(request, "distribution/staff_bad_token.html", status=400)


def replay(request, record: IdempotencyKey, *, kind: str, to: str, **kwargs):
    """The answer to a second submission: the first one's result, and say so."""
    if record.kind != kind:
        return refused(request)
    say_replayed(request, record.created_at)
    return redirect(to, **kwargs)


def say_replayed(request, first_at) -> None:
    """Tell the user the form was sent before (at ``first_at``) and nothing was made twice."""
    messages.info(
        request,
        _(
            "Formulir ini sudah tersimpan sebelumnya (%(at)s); ini hasilnya. "
            "Tidak ada yang dibuat dua kali."
        )
        % {"at": timezone.localtime(first_at).strftime("%d-%m-%Y %H:%M")},
    )
