"""Give the audit log its actor when no request did (a command, the shell, a task).

django-auditlog takes the actor from AuditlogMiddleware, so a write made outside a request
is logged with no actor. Services wrap their saves in ``acting_as(actor)``: inside a request
that already names a user nothing changes; elsewhere the entries name ``actor``.
"""

import contextlib

from auditlog.context import auditlog_value, set_actor
from django.db.models.signals import pre_save


def _live(context) -> bool:
    # A finished request leaves its context in the context variable with its receiver gone;
    # only a context whose receiver is still connected will name an actor.
    uid = context.get("signal_duid")
    return any(lookup_key[0] == uid for lookup_key, *_rest in pre_save.receivers)


@contextlib.contextmanager
def acting_as(actor):
    """Log the writes inside with ``actor`` unless a live request context names a user."""
    try:
        current = auditlog_value.get()
    except LookupError:
        current = None
    if actor is None or (current and current.get("actor") is not None and _live(current)):
        yield
        return
    try:
        with set_actor(actor):
            yield
    finally:
        # set_actor leaves its own context behind; give back what the caller had (the
        # middleware's, for an anonymous request), so later entries keep its address.
        if current is not None:
            auditlog_value.set(current)
