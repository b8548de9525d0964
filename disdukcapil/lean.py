"""The public lookup's GET skips the middleware it has no use for: session, auth, messages, audit.

A resident's lookup (``/cek/``, the JSON API) reads no session, no user and no flash message,
and writes nothing, so nothing of those four middleware reaches its answer; together they
cost a cold lookup about 0.5 ms of ~5 (bench/profile_lookup.py --cold: the audit log alone
connects and disconnects a signal receiver per request). Each class here is the library's own,
passing a safe request (GET, HEAD) for one of ``settings.LEAN_PUBLIC_PATHS`` straight through;
every other request runs it as before. Kept on those paths: the security headers, the request
limits, the rate limit, locale, CSRF (the language switch's form token and its cookie), the
frame options and axes.

What the lookup gives up by it: ``request.session``, ``request.user`` and the messages store
do not exist there (nothing in portal/views.py's lookup or API reads them; its error pages'
context processors fall back without them), and a staff member's session is not touched by a
lookup (its expiry is not moved by one). tests/hardening/test_lean_public.py pins both sides.
"""

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware

SAFE_METHODS = frozenset({"GET", "HEAD"})


def is_lean(request) -> bool:
    """A safe request for a public lookup path (prefixes, as ``/api/v1/receipts/``)."""
    return request.method in SAFE_METHODS and request.path_info.startswith(
        settings.LEAN_PUBLIC_PATHS
    )


class _SkipOnLean:
    def __call__(self, request):
        if is_lean(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_SkipOnLean, _SessionMiddleware):
    pass


class AuthenticationMiddleware(_SkipOnLean, _AuthenticationMiddleware):
    pass


class MessageMiddleware(_SkipOnLean, _MessageMiddleware):
    pass


class AuditlogMiddleware(_SkipOnLean, _AuditlogMiddleware):
    pass
