"""Readiness for the load balancer and the monitoring: ``/readyz``.

``/healthz`` stays a liveness check (the process answers and reaches its database). A host is
*ready* when it can serve every request: the primary answers. The replica is reported but does
not decide readiness: when it is down or behind, public reads go to the primary
(disdukcapil/db_router.py), so the host still serves everything, only with more load on the
primary; the monitoring alerts on ``replica.state`` instead.
"""

import json

from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from disdukcapil import db_router


def _primary_ok() -> bool:
    try:
        with connections[db_router.PRIMARY].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connections[db_router.PRIMARY].close()
        return False
    return True


@require_safe
def readyz(request):
    primary = _primary_ok()
    if db_router.replica_configured():
        state = db_router.health.measure()
        replica = {"state": state.state, "lag_seconds": state.lag_seconds}
    else:
        replica = {"state": "absent", "lag_seconds": None}
    body = {
        "status": "ready" if primary else "unavailable",
        "database": "ok" if primary else "unavailable",
        "replica": replica,
    }
    response = HttpResponse(
        json.dumps(body), content_type="application/json", status=200 if primary else 503
    )
    response["Cache-Control"] = "no-store"
    return response
