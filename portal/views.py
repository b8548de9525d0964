"""Public pages: the lookup form, the result page, the JSON API and the health check.

Nothing here writes. A lookup shows only what the public may know (portal.selectors builds
it); the holder's NIK, birth date, address, phone and full name never reach a template.
"""

import json
import logging
from urllib.parse import urlencode

from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal import lookup_cache, result_page, selectors
from portal.forms import FORMAT_HINT, LookupForm
from receipts import hours
from receipts.numbers import MalformedReceiptNumber, normalize_receipt_number

logger = logging.getLogger(__name__)

# A receipt's status is personal and changes: never kept by a shared cache or the browser.
PRIVATE_NO_STORE = "private, no-store"


def _no_store(response):
    response["Cache-Control"] = PRIVATE_NO_STORE
    return response


@require_safe
def home(request):
    return render(request, "portal/home.html", {"form": LookupForm(), "hint": FORMAT_HINT})


def _result_body(
    kind: str, number: str, render_result, *, with_estimate: bool = True
) -> tuple[str | None, object]:
    """The rendered result for the normalised ``number`` (None when unknown), and the head
    office for the not-found page.

    One statement either way. A number with a body kept in portal.lookup_cache costs the
    stamp query, and the body is served when it was rendered for what the database holds
    now; otherwise (nothing kept, a cold lookup, as for most residents) the selector's one
    statement reads the stamp together with everything the page shows, from the same
    snapshot, and the body is kept under that stamp. Only a kept body gone stale costs two.
    """
    caching = lookup_cache.enabled()
    language = get_language()
    if caching:
        kept = lookup_cache.entry(kind, language, number)
        if kept is not None:
            stamp = selectors.receipt_stamp(number=number)
            if stamp is not None and stamp.row is None:
                return None, stamp.head_office
            if stamp is not None and kept[0] == lookup_cache.stamp(stamp.row):
                return kept[1], None
    answer = selectors.receipt_lookup(number=number, with_estimate=with_estimate)
    if answer.receipt is None:
        return None, answer.head_office
    body = render_result(answer.receipt)
    if caching and answer.stamp_row is not None:
        lookup_cache.put(kind, language, number, lookup_cache.stamp(answer.stamp_row), body)
    return body, None


@require_safe
def lookup(request):
    form = LookupForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "hint": FORMAT_HINT}
        return _no_store(render(request, "400.html", context, status=400))
    number = form.cleaned_data["nomor"]

    def render_result(result):
        # Nothing of this request goes into the page, so it can serve the next one: the CSRF
        # token is a placeholder replaced below, the language switch returns to the canonical
        # address, and the staff's flash messages wait for their own pages.
        if result_page.enabled():
            return result_page.render(result, number)
        context = {
            "r": result,
            "g": result.guidance,
            "steps": result_page.steps(result.status),
            "form": LookupForm(initial={"nomor": number}),
            "hint": FORMAT_HINT,
            "csrf_token": lookup_cache.CSRF_PLACEHOLDER,
            "language_next": reverse("receipts:lookup") + "?" + urlencode({"nomor": number}),
            "messages": (),
        }
        return render_to_string("portal/result.html", context, request=request)

    body, office = _result_body("cek", number, render_result)
    if body is None:
        context = {
            "form": LookupForm(initial={"nomor": number}),
            "hint": FORMAT_HINT,
            "not_found_number": number,
            "office": office,
        }
        return _no_store(render(request, "404.html", context, status=404))
    html = body.replace(lookup_cache.CSRF_PLACEHOLDER, get_token(request), 1)
    return _no_store(HttpResponse(html))


@require_safe
def bantuan(request):
    """Help when something is wrong: lost receipt, damaged card, changed data, a proxy."""
    context = {"office": selectors.head_office(), "form": LookupForm(), "hint": FORMAT_HINT}
    return render(request, "portal/bantuan.html", context)


def _api_body(result) -> str:
    kecamatan = result.kecamatan
    body = {
        "receipt_number": result.number,
        "status": result.status,
        "status_label": str(result.status_label),
        "holder_initials": result.holder_initials,
        "collection_point": {
            "kecamatan": kecamatan.name,
            "address": kecamatan.address,
            "hours": hours.render(kecamatan.counter_hours),
        },
        "pickup_schedule": [
            {
                "date": s.date.isoformat(),
                "start": s.start_time.strftime("%H:%M"),
                "end": s.end_time.strftime("%H:%M"),
                "place": s.place,
                "note": s.note,
            }
            for s in result.schedules
        ],
        "timeline": [
            {"status": status, "at": timezone.localtime(at).isoformat()}
            for _from_status, status, at in result.events
        ],
    }
    return json.dumps(body, ensure_ascii=False)


@require_safe
def api_receipt(request, number):
    try:
        normalised = normalize_receipt_number(number)
    except MalformedReceiptNumber:
        body = {
            "error": "malformed",
            "message": _(
                "Nomor resi tidak dikenali bentuknya: 6 sampai 24 huruf dan angka, "
                "spasi dan tanda hubung boleh."
            ),
        }
        return _no_store(JsonResponse(body, status=400))
    body, _office = _result_body("api", normalised, _api_body, with_estimate=False)
    if body is None:
        body = {
            "error": "not_found",
            "message": _("Nomor resi tidak ditemukan. Periksa lagi nomor di lembar resi."),
        }
        return _no_store(JsonResponse(body, status=404))
    return _no_store(HttpResponse(body, content_type="application/json"))


@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("healthz: the database does not answer")
        response = HttpResponse("database unavailable", status=503, content_type="text/plain")
    else:
        response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    context = {"form": LookupForm(), "hint": FORMAT_HINT}
    return render(request, "400.html", context, status=400)


def page_not_found(request, exception=None):
    # A clerk who opens a card of another kecamatan (or a wrong URL) stays in the counter
    # application; the page is the same whether the receipt exists elsewhere or not at all.
    if request.path.startswith("/loket/") and request.user.is_authenticated:
        return render(request, "distribution/counter_404.html", status=404)
    context = {"form": LookupForm(), "hint": FORMAT_HINT}
    return render(request, "404.html", context, status=404)


def server_error(request):
    # No context processors and no request context: nothing here may touch the database
    # (which may be the reason for the error), not even the session behind messages.
    try:
        html = loader.get_template("500.html").render({"plain_error_page": True})
    except Exception:  # the error page itself must never fail
        logger.exception("500.html could not be rendered")
        html = _MINIMAL_500
    return HttpResponse(html, status=500)


# Used only when even 500.html fails (e.g. the static files manifest is missing).
_MINIMAL_500 = (
    '<!doctype html><html lang="id"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Terjadi gangguan</title><h1>Maaf, terjadi gangguan</h1>"
    "<p>Silakan coba lagi beberapa menit lagi. / Please try again in a few minutes.</p>"
    '<p><a href="/">Cek status e-KTP</a></p></html>'
)
