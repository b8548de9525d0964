"""Public reads to the streaming replica, everything else to the primary.

A request is routed ONCE, before its view runs (``ReplicaRoutingMiddleware.process_view``),
and every query of that request goes to the database chosen then. The public views that may
read from the replica are listed in ``settings.REPLICA_READ_VIEWS`` (the lookup, the API and
the statistics); a request gets the replica only when all of these hold:

- a replica is configured (``REPLICA_DATABASE_URL``: the ``replica`` alias exists);
- it is a GET or HEAD to one of those views, and carries no session cookie: staff and clerks
  who check a receipt they have just handed over read their own write from the primary;
- the replica answered its last lag check (at most ``REPLICA_CHECK_SECONDS`` ago, per worker
  process) and its lag was at most ``REPLICA_MAX_LAG_SECONDS``.

Otherwise the request reads the primary, and nothing is shown to the user: a replica that is
down or behind only moves the load. If the replica fails during a request (it stopped between
two checks), the view is run again on the primary (public views only read, so this is safe)
and the replica is left out until its next check succeeds.

Why the lookup cache (``portal/lookup_cache.py``) cannot serve a stale answer from a
lagging replica: a kept body is served only when the stamp read in the same request (status,
``status_changed_at``, ``PublicDataVersion``) equals the stamp it was rendered for. Because the
whole request reads one database, the stamp and the body always come from the same snapshot:
a body rendered from the primary is never kept under a replica's older stamp, nor the other
way round. So what the public sees is exactly what the database it read holds, and that
database is either the primary or a replica at most ``REPLICA_MAX_LAG_SECONDS`` (plus one
check interval) behind. A status change is on the public page within that bound.

How the lag is measured, on the replica: 0 when its WAL receiver is streaming and everything
it received has been replayed; otherwise the age of the last replayed commit. The second
figure over-estimates the lag when the primary has been idle (then the replica is avoided a
little too eagerly), and never under-estimates it.

Writes always go to the primary, migrations run only there, and code outside a routed
request (the task worker, management commands, the admin) never touches the replica.
"""

import contextvars
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger("disdukcapil.db_router")

REPLICA = "replica"
PRIMARY = "default"

# The alias reads of the current request go to; None outside a routed request (primary).
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ektp_read_alias", default=None
)

LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE
         WHEN (SELECT status FROM pg_stat_wal_receiver) = 'streaming'
              AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0
         ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
       END
"""


@dataclass(frozen=True)
class ReplicaState:
    state: str  # "ok", "lagging", "down", "absent" (no replica configured)
    lag_seconds: float | None = None
    checked_at: float = 0.0

    @property
    def usable(self) -> bool:
        return self.state == "ok"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class _Health:
    """The replica's last known state in this process, refreshed at most once per interval."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state = ReplicaState("down")

    def reset(self):
        with self._lock:
            self._state = ReplicaState("down")

    def mark_down(self):
        with self._lock:
            self._state = ReplicaState("down", None, time.monotonic())

    def measure(self) -> ReplicaState:
        """Ask the replica now (one query). Never raises."""
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(LAG_SQL)
                in_recovery, lag = cursor.fetchone()
        except DatabaseError:
            logger.warning("replica unreachable; public reads go to the primary", exc_info=True)
            connections[REPLICA].close()
            state = ReplicaState("down", None, time.monotonic())
        else:
            lag = float(lag)
            if not in_recovery:
                # Promoted (or pointed at a primary by mistake): not a replica of ours any more.
                state = ReplicaState("down", None, time.monotonic())
            elif lag > settings.REPLICA_MAX_LAG_SECONDS:
                state = ReplicaState("lagging", lag, time.monotonic())
            else:
                state = ReplicaState("ok", lag, time.monotonic())
        with self._lock:
            previous, self._state = self._state, state
        if previous.state != state.state:
            logger.info(
                "replica %s -> %s (lag %s s)", previous.state, state.state, state.lag_seconds
            )
        return state

    def current(self) -> ReplicaState:
        """The state, re-measured when the last measurement is older than the interval."""
        if not replica_configured():
            return ReplicaState("absent")
        state = self._state
        if time.monotonic() - state.checked_at >= settings.REPLICA_CHECK_SECONDS:
            return self.measure()
        return state


health = _Health()


def choose_read_alias() -> str:
    """The database a public read-only request reads: the replica when usable, else primary."""
    return REPLICA if health.current().usable else PRIMARY


def current_read_alias() -> str:
    return _read_alias.get() or PRIMARY


class PrimaryReplicaRouter:
    """Reads follow the request's route (primary unless routed); writes go to the primary."""

    def db_for_read(self, model, **hints):
        return _read_alias.get() or PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: objects from either relate.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaRoutingMiddleware:
    """Route public read-only views to the replica (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _read_alias.set(None)
        try:
            return self.get_response(request)
        finally:
            _read_alias.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not replica_configured() or request.method not in ("GET", "HEAD"):
            return None
        match = request.resolver_match
        if match is None or match.view_name not in settings.REPLICA_READ_VIEWS:
            return None
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return None  # staff or a clerk: read your own writes from the primary
        alias = choose_read_alias()
        _read_alias.set(alias)
        request.db_read_alias = alias
        request._replica_view = (view_func, view_args, view_kwargs)
        return None

    def process_exception(self, request, exception):
        if getattr(request, "db_read_alias", None) != REPLICA:
            return None
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("replica failed during %s; answering from the primary", request.path_info)
        health.mark_down()
        connections[REPLICA].close()
        _read_alias.set(PRIMARY)
        request.db_read_alias = PRIMARY
        view_func, args, kwargs = request._replica_view
        return view_func(request, *args, **kwargs)
