"""Security middleware: response headers, request size limits, a friendly 503 when the DB is down.

Each middleware is small and independent; their order in settings.MIDDLEWARE is explained
there. docs/security.md says why each header and limit is what it is.
"""

import json
import logging
import re
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("disdukcapil.security")

NO_STORE = "private, no-store"


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _page(request, template: str, status: int, fallback: str, context=None) -> HttpResponse:
    """Render an error page from templates/; plain Indonesian text if that fails too.

    No context processors run (they may read the session, i.e. the database); the page
    gets `request` in its context only.
    """
    try:
        body = render_to_string(template, {"request": request, **(context or {})})
        return HttpResponse(body, status=status)
    except TemplateDoesNotExist:
        pass
    except Exception:
        # The page itself must not turn a 4xx/503 into a 500 (e.g. the DB is down and a
        # context processor touched it).
        logger.warning("could not render %s; sending plain text", template, exc_info=True)
    return HttpResponse(fallback, status=status, content_type="text/plain; charset=utf-8")


def _json(status: int, error: str, **extra) -> HttpResponse:
    return HttpResponse(
        json.dumps({"error": error, **extra}), content_type="application/json", status=status
    )


class SecurityHeadersMiddleware:
    """Add the headers Django's SecurityMiddleware does not: CSP, Permissions-Policy, no-store.

    Django 5.2 has no built-in CSP. The public site, the counter and the staff pages get the
    strict policy (no inline script or style at all); /admin/ gets the same policy plus the
    hash of the one inline <style> block Django's admin templates contain. A view that sets
    its own header wins. Lookup and API answers are never stored by browsers or proxies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path_info
        if "Content-Security-Policy" not in response:
            policy = (
                settings.CSP_ADMIN_POLICY
                if path.startswith(settings.CSP_ADMIN_PREFIX)
                else settings.CSP_POLICY
            )
            response["Content-Security-Policy"] = policy
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        if path.startswith(settings.NO_STORE_PREFIXES) and "Cache-Control" not in response:
            response["Cache-Control"] = NO_STORE
        if (
            path.startswith("/api/")
            and "Content-Disposition" not in response
            and response.get("Content-Type", "").startswith("application/json")
        ):
            # OWASP ASVS 14.4.2: a browser that opens an API URL saves it, never renders it.
            response["Content-Disposition"] = 'attachment; filename="api.json"'
        return response


class RequestLimitsMiddleware:
    """Refuse oversized query strings (414) and oversized bodies (413) before any parsing.

    Public paths (everything outside the staff and counter prefixes) accept only small
    bodies: the lookup is a GET, the language switch a tiny POST. Staff paths may carry
    the receipt import (up to MAX_REQUEST_BODY_BYTES); Django streams files above
    FILE_UPLOAD_MAX_MEMORY_SIZE to disk and DATA_UPLOAD_MAX_MEMORY_SIZE bounds the rest.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if len(query.encode("latin-1", "replace")) > settings.MAX_QUERY_STRING_BYTES:
            logger.info("query string of %d bytes refused on %s", len(query), request.path_info)
            if _is_api(request):
                return _json(414, "uri_too_long")
            return _page(
                request,
                "414.html",
                414,
                _("Alamat terlalu panjang. Periksa kembali nomor resi yang Anda ketik."),
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = (
            settings.MAX_REQUEST_BODY_BYTES
            if request.path_info.startswith(settings.STAFF_PATH_PREFIXES)
            else settings.PUBLIC_MAX_BODY_BYTES
        )
        if length > limit:
            logger.info("body of %d bytes refused on %s", length, request.path_info)
            if _is_api(request):
                return _json(413, "payload_too_large")
            return _page(request, "413.html", 413, _("Data yang dikirim terlalu besar."))
        if _bad_admin_selection(request):
            logger.info("admin action with a malformed selection refused on %s", request.path_info)
            return _page(request, "400.html", 400, _("Pilihan data tidak sah."))
        return self.get_response(request)


# Every primary key of the project is an integer; 18 digits stay inside a 64-bit column.
_PK_RE = re.compile(r"\A[0-9]{1,18}\Z")


def _bad_admin_selection(request) -> bool:
    """An admin action POST whose selected ids are not integer keys.

    Django's admin passes ``_selected_action`` straight to ``pk__in``; a value such as
    ``1e9`` raises ValueError there, a 500 on every change list with actions (each has
    "delete selected"). Reading ``request.POST`` here parses the body no earlier than
    CsrfViewMiddleware would anyway (every admin POST goes through it).
    """
    if request.method != "POST" or not request.path_info.startswith("/admin/"):
        return False
    return any(not _PK_RE.match(v) for v in request.POST.getlist("_selected_action"))


def _mark_database_error(sender, request=None, **kwargs):
    """Remember on the request that an exception turned into a 500 was a database outage."""
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, OperationalError | InterfaceError):
        request._database_unavailable = True


got_request_exception.connect(_mark_database_error, dispatch_uid="disdukcapil.database_down")


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page, not a traceback, when the database is unreachable.

    A view's exception is caught by process_exception. An exception raised by another
    middleware (a session saved to a dead database) has already become Django's 500 by the
    time it reaches us, so the got_request_exception receiver above marks the request and
    the 500 is replaced here. With DEBUG on the developer keeps the traceback.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 500
            and getattr(request, "_database_unavailable", False)
            and not settings.DEBUG
        ):
            logger.error("database unavailable on %s (raised outside the view)", request.path_info)
            return self.unavailable(request)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG or not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable on %s", request.path_info, exc_info=exception)
        return self.unavailable(request)

    def unavailable(self, request) -> HttpResponse:
        if _is_api(request):
            response = _json(503, "unavailable")
        else:
            response = _page(
                request,
                "503.html",
                503,
                _("Layanan sedang tidak tersedia. Silakan coba lagi beberapa menit lagi."),
            )
        response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER)
        response["Cache-Control"] = NO_STORE
        return response
