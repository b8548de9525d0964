"""The access matrix (issue 16, finding 2): every URL × every persona × GET and POST.

Generated from the URL configuration: each route must have a rule below saying which
personas may use it, so a new URL without a rule fails this test (add the rule, and think
about who needs it). The admin's model pages get their rules from ``ADMIN_MODELS``.

A cell passes when the persona is let in (any answer but a 403, a 404 or a redirect to a
login page; a form shown again with its errors, a 400 or a redirect elsewhere count as "let
in") exactly when the rule says so. A 405 (the view takes the other method) passes either
way: it reveals and does nothing. A 5xx fails every cell. Every request runs in a savepoint
that is rolled back, so a POST that deletes something does not change the next cell.
"""

import copy
import re
import zlib
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from distribution.models import Holiday, Officer, PickupSchedule, PrintingPlan
from distribution.services import handover_record
from receipts.models import HeadOffice, ReceiptEvent
from tests.factories import IdDocumentTypeFactory, dispatched_cards, ready_card

ANONYMOUS, CLERK, SUPERVISOR, OTHER_CLERK, STAFF, SUPERUSER = (
    "anonymous",
    "clerk",
    "supervisor",
    "other_kecamatan_clerk",
    "staff",
    "superuser",
)
PERSONAS = (ANONYMOUS, CLERK, SUPERVISOR, OTHER_CLERK, STAFF, SUPERUSER)
EVERYONE = frozenset(PERSONAS)
NOBODY = frozenset()
# Counter pages of one's own counter; the Selatan rows used below are not the Kota clerk's.
ANY_OFFICER = frozenset({CLERK, SUPERVISOR, OTHER_CLERK})
SELATAN_OFFICERS = frozenset({CLERK, SUPERVISOR})
SELATAN_SUPERVISOR = frozenset({SUPERVISOR})
STAFF_ONLY = frozenset({STAFF, SUPERUSER})
SUPERUSER_ONLY = frozenset({SUPERUSER})
ADMIN_USERS = STAFF_ONLY  # is_staff: the admin site lets them in, their permissions decide
ANYTHING = None


def rule(get, post=None):
    return {"GET": get, "POST": get if post is None else post}


# Route (as written in the URLconf, which SPEC keeps stable) → who may GET and POST it.
ROUTES = {
    # Public site: anyone. POST-only or GET-only views answer 405 to the other method.
    "": rule(EVERYONE),
    "cek/": rule(EVERYONE),
    "api/v1/receipts/<path:number>/": rule(EVERYONE),
    "statistik/": rule(EVERYONE),
    "bantuan/": rule(EVERYONE),
    "healthz": rule(EVERYONE),
    "readyz": rule(EVERYONE),
    "i18n/setlang/": rule(EVERYONE),
    "loket/masuk/": rule(EVERYONE),
    # Logging out ends on the login page for everyone, so "let in" cannot be told from
    # "sent to log in": only the no-5xx property is checked.
    "loket/keluar/": rule(ANYTHING),
    # The counter: an Officer row; rows of another kecamatan are 404; undo for supervisors.
    "loket/": rule(ANY_OFFICER),
    "loket/resi/<str:number>/": rule(SELATAN_OFFICERS),
    "loket/resi/<str:number>/batal/": rule(SELATAN_SUPERVISOR),
    "loket/kiriman/": rule(ANY_OFFICER),
    "loket/kiriman/<int:pk>/": rule(SELATAN_OFFICERS),
    "loket/hari-ini/": rule(ANY_OFFICER),
    "loket/hari-ini.csv": rule(ANY_OFFICER),
    "loket/jadwal/": rule(ANY_OFFICER),
    "loket/jadwal/<int:pk>/": rule(SELATAN_OFFICERS),
    "loket/jadwal/<int:pk>.csv": rule(SELATAN_OFFICERS),
    "loket/kontak/<str:number>/": rule(SELATAN_OFFICERS),
    # Notifications: the e-mail opt-out link is public (a bad token is a 400); the providers'
    # webhooks refuse every unsigned request (403), whoever sends it.
    "pesan/berhenti/<str:token>/": rule(EVERYONE),
    "pesan/webhook/sms/": rule(NOBODY),
    "pesan/webhook/sms/status/": rule(NOBODY),
    "pesan/webhook/whatsapp/": rule(NOBODY),
    "staf/notifikasi/": rule(STAFF_ONLY),
    "staf/notifikasi/<int:pk>/kirim-ulang/": rule(STAFF_ONLY),
    "staf/notifikasi/urutan/": rule(STAFF_ONLY),
    "staf/notifikasi/templat/<str:occasion>/<str:channel>/<str:language>/": rule(STAFF_ONLY),
    # Staff pages and exports: the staff group (a superuser holds every permission).
    "staf/ekspor/cetak/<int:run_id>/": rule(STAFF_ONLY),
    "staf/ekspor/resi/": rule(STAFF_ONLY),
    # Big exports on the task worker: anyone with the export's permissions may ask (POST)
    # and list their own; a job and its file are the requester's alone (staff here), a
    # superuser included gets a 404.
    "staf/ekspor/tugas/": rule(STAFF_ONLY),
    "staf/ekspor/tugas/<int:pk>/": rule(frozenset({STAFF})),
    "staf/ekspor/tugas/<int:pk>/unduh/": rule(frozenset({STAFF})),
    "staf/": rule(STAFF_ONLY),
    "staf/blanko/": rule(STAFF_ONLY),
    "staf/cetak/baru/": rule(STAFF_ONLY),
    "staf/cetak/pratinjau/": rule(STAFF_ONLY),
    "staf/cetak/": rule(STAFF_ONLY),
    "staf/cetak/<int:pk>/": rule(STAFF_ONLY),
    # A big run's job page (the run form's permission): the requester's alone (staff here), a
    # superuser included gets a 404, as for a big export's job.
    "staf/cetak/tugas/<int:pk>/": rule(frozenset({STAFF})),
    "staf/cetak/<int:pk>/tercetak/": rule(STAFF_ONLY),
    "staf/cetak/<int:pk>/kirim/": rule(STAFF_ONLY),
    "staf/kartu/<int:pk>/rusak/": rule(STAFF_ONLY),
    "staf/kiriman/<int:pk>/": rule(STAFF_ONLY),
    "staf/kiriman/<int:pk>/terima/": rule(STAFF_ONLY),
    "staf/kiriman/<int:pk>/jadwal/": rule(STAFF_ONLY),
    "staf/jadwal/": rule(STAFF_ONLY),
    "staf/jadwal/<int:pk>/daftar/": rule(STAFF_ONLY),
    "staf/jadwal/<int:pk>/daftar.csv": rule(STAFF_ONLY),
    "staf/jadwal/<int:pk>/ubah/": rule(STAFF_ONLY),
    "staf/jadwal/<int:pk>/batal/": rule(STAFF_ONLY),
    # The admin site itself. Clerks are not is_staff: the admin sends them to its login.
    "admin/receipts/import/": rule(STAFF_ONLY),
    # An import job and its rejects: the uploader (staff here) and superusers; GET only.
    "admin/receipts/import/<int:pk>/": rule(STAFF_ONLY),
    "admin/receipts/import/<int:pk>/ditolak.csv": rule(STAFF_ONLY),
    "admin/": rule(STAFF_ONLY),
    "admin/login/": rule(EVERYONE),
    "admin/logout/": rule(ANYTHING),
    "admin/password_change/": rule(STAFF_ONLY),
    "admin/password_change/done/": rule(STAFF_ONLY),
    "admin/autocomplete/": rule(NOBODY),  # no autocomplete_fields: 403 to everyone
    "admin/jsi18n/": rule(STAFF_ONLY),
    "admin/r/<path:content_type_id>/<path:object_id>/": rule(NOBODY),  # no get_absolute_url
    "admin/<app_label>/": rule(STAFF_ONLY),
    "admin/(?P<url>.*)$": rule(NOBODY),  # unknown admin URL: 404 (or the login page)
    "admin/auth/user/<id>/password/": rule(SUPERUSER_ONLY),
    # django-tasks-db's read-only queue admin has no actions: a POST of "delete selected"
    # is a 400 for everyone (checked: no 5xx, and the row survives).
    "admin/django_tasks_database/dbtaskresult/": {
        "GET": SUPERUSER_ONLY,
        "POST": ANYTHING,
        "deletes": NOBODY,
    },
}

# Admin model pages: who may list/view, add, change, delete. ``view`` also covers history.
ADMIN_MODELS = {
    "receipts/receipt": {"view": STAFF_ONLY, "add": STAFF_ONLY, "change": STAFF_ONLY},
    "receipts/receiptevent": {"view": STAFF_ONLY},
    "receipts/resident": {"view": STAFF_ONLY, "add": STAFF_ONLY, "change": STAFF_ONLY},
    "receipts/kecamatan": {"view": STAFF_ONLY, "change": STAFF_ONLY, "add": SUPERUSER_ONLY},
    "receipts/kelurahan": {"view": STAFF_ONLY, "add": SUPERUSER_ONLY, "change": SUPERUSER_ONLY},
    # One row each (made by migrations): changed, never added twice nor deleted.
    "receipts/headoffice": {"view": STAFF_ONLY, "change": STAFF_ONLY},
    "distribution/printingplan": {"view": STAFF_ONLY, "change": STAFF_ONLY},
    "distribution/holiday": {"view": STAFF_ONLY, "add": STAFF_ONLY, "change": STAFF_ONLY},
    # Added on the staff pages (their services keep the rules): the admin's add page sends a
    # GET there and refuses a POST; the records are read-only here.
    "distribution/blankbatch": {"view": STAFF_ONLY, "add": rule(STAFF_ONLY, NOBODY)},
    "distribution/printrun": {"view": STAFF_ONLY},
    "distribution/card": {"view": STAFF_ONLY},
    "distribution/dispatch": {"view": STAFF_ONLY},
    "distribution/dispatchitem": {"view": STAFF_ONLY},
    "distribution/pickupschedule": {"view": STAFF_ONLY, "add": rule(STAFF_ONLY, NOBODY)},
    "distribution/iddocumenttype": {"view": STAFF_ONLY, "add": STAFF_ONLY, "change": STAFF_ONLY},
    "distribution/officer": dict.fromkeys(("view", "add", "change", "delete"), SUPERUSER_ONLY),
    "distribution/handover": {"view": STAFF_ONLY},
    "auth/user": dict.fromkeys(("view", "add", "change", "delete"), SUPERUSER_ONLY),
    "auth/group": dict.fromkeys(("view", "add", "change", "delete"), SUPERUSER_ONLY),
    "auditlog/logentry": {"view": STAFF_ONLY},
    # django-axes' login records (usernames, addresses): superusers, who may also delete an
    # attempt to unlock an account; nobody adds or edits them.
    "axes/accessattempt": {"view": SUPERUSER_ONLY, "change": SUPERUSER_ONLY},
    "axes/accesslog": {"view": SUPERUSER_ONLY, "change": SUPERUSER_ONLY},
    "axes/accessfailurelog": {"view": SUPERUSER_ONLY, "change": SUPERUSER_ONLY},
    # The task queue (django-tasks-db's read-only admin): superusers only, nobody writes.
    "django_tasks_database/dbtaskresult": {"view": SUPERUSER_ONLY},
}
# The delete page: superusers only (staff have no delete permission at all), and not for
# records only the services write.
SUPERUSER_DELETES = {
    "axes/accessattempt",
    "axes/accesslog",
    "axes/accessfailurelog",
    "receipts/kecamatan",
    "receipts/kelurahan",
    "receipts/resident",
    "distribution/iddocumenttype",
    "distribution/holiday",
}
# Rows of this test's world that a superuser's "delete selected" really removes. The others
# have history (PROTECT: the clerk's hand-overs, the receipt's events, the batch's cards):
# the database refuses and the row is kept.
DELETABLE_ROWS = {
    "axes/accessattempt",
    "axes/accesslog",
    "axes/accessfailurelog",
    "distribution/iddocumenttype",
    "distribution/holiday",
    "distribution/officer",
    "auth/group",
}

_MODEL_ROUTE = re.compile(r"^admin/(?P<model>\w+/\w+)/(?P<page>.*)$")


def admin_model_rule(model: str, page: str):
    access = ADMIN_MODELS[model]
    view = access.get("view", NOBODY)
    delete = access.get("delete", SUPERUSER_ONLY if model in SUPERUSER_DELETES else NOBODY)
    if page == "":
        # The POST is "delete selected" of the row: shown to ``view``, the row survives
        # unless the persona is in ``delete`` (checked separately, see test_access_matrix).
        return {**rule(view), "deletes": delete if model in DELETABLE_ROWS else NOBODY}
    if page == "add/":
        add = access.get("add", NOBODY)
        return add if isinstance(add, dict) else rule(add)
    if page == "<path:object_id>/history/":
        return rule(view)
    if page == "<path:object_id>/delete/":
        return rule(delete)
    if page == "<path:object_id>/change/":
        return rule(view, access.get("change", NOBODY))
    if page == "<path:object_id>/":
        # Redirects admin users to the change page (which has its own rule).
        return rule(ADMIN_USERS)
    return None


def routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            # The app index's regex lists the registered apps in registration order.
            yield re.sub(
                r"\^\(\?P<app_label>[^)]*\)/\$", "<app_label>/", prefix + str(pattern.pattern)
            )


def rule_for(route: str):
    if route in ROUTES:
        return ROUTES[route]
    match = _MODEL_ROUTE.match(route)
    if match and match["model"] in ADMIN_MODELS:
        return admin_model_rule(match["model"], match["page"])
    return None


@pytest.fixture
def world(
    selatan, sepinggan, staff, superuser, clerk_selatan, supervisor_selatan, clerk_kota, settings
):
    """One row of every kind, all of Selatan, with the personas' accounts."""
    dispatch, cards = dispatched_cards(
        kecamatan=selatan, count=1, sent_by=staff, resident_kelurahan=sepinggan
    )
    card = ready_card(kelurahan=sepinggan)
    handover = handover_record(
        receipt=card.receipt, actor=clerk_selatan, collected_by="resident", identity_check="receipt"
    )
    schedule = PickupSchedule.objects.create(
        kecamatan=selatan, kelurahan=sepinggan, date="2018-02-12", start_time="08:00",
        end_time="12:00",
    )  # fmt: skip
    from auditlog.models import LogEntry
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {"user_agent": "pytest", "ip_address": "10.0.0.1", "username": "penyerang"}

    rows = {
        "receipts/receipt": card.receipt,
        "receipts/receiptevent": ReceiptEvent.objects.filter(receipt=card.receipt).first(),
        "receipts/resident": card.receipt.resident,
        "receipts/kecamatan": selatan,
        "receipts/kelurahan": sepinggan,
        "distribution/blankbatch": card.batch,
        "distribution/printrun": cards[0].print_run,
        "distribution/card": cards[0],
        "distribution/dispatch": dispatch,
        "distribution/dispatchitem": dispatch.items.first(),
        "distribution/pickupschedule": schedule,
        "distribution/iddocumenttype": IdDocumentTypeFactory(name="SIM"),
        "distribution/officer": Officer.objects.get(user=clerk_selatan),
        "distribution/handover": handover,
        "receipts/headoffice": HeadOffice.objects.get_or_create(pk=HeadOffice.SINGLETON_ID)[0],
        "distribution/printingplan": PrintingPlan.objects.get_or_create(pk=1)[0],
        "distribution/holiday": Holiday.objects.create(date="2026-12-25", name="Natal"),
        "auth/user": clerk_selatan,
        "auth/group": Group.objects.first(),
        "auditlog/logentry": LogEntry.objects.get_for_object(selatan).first()
        or LogEntry.objects.first(),
        "axes/accessattempt": AccessAttempt.objects.create(failures_since_start=1, **seen),
        "axes/accesslog": AccessLog.objects.create(**seen),
        "axes/accessfailurelog": AccessFailureLog.objects.create(**seen),
    }
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from notifications.models import Message

    # The queue's admin shows tasks of the database backend (the tests' default runs them inline).
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "long"]}
    }
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="notifications.tasks.tick",
        backend_name="default",
        run_after=timezone.now(),
    )
    rows["django_tasks_database/dbtaskresult"] = task

    from receipts.models import ImportJob, JobStatus

    import_job = ImportJob.objects.create(
        uploaded_by=staff, token="matrix", file_name="resi.csv", size=1,
        status=JobStatus.DONE, counts={"rejected": 1}, rejects=zlib.compress(b"baris"),
    )  # fmt: skip
    from distribution.models import ExportFileChunk, ExportJob

    export_job = ExportJob.objects.create(
        requested_by=staff, token="matrix", kind="receipts", file_name="resi.csv", size=1,
        status=ExportJob.Status.DONE,
    )  # fmt: skip
    ExportFileChunk.objects.create(job=export_job, seq=0, data=zlib.compress(b"x"))
    from distribution.models import PrintRunJob

    print_run_job = PrintRunJob.objects.create(
        requested_by=staff, token="matrix", count=30_000, cutoff_date="2018-01-31"
    )
    failed = Message.objects.create(
        receipt=card.receipt, occasion="ready", channel="sms", state="failed", error="HTTP 500"
    )
    accounts = {
        CLERK: clerk_selatan,
        SUPERVISOR: supervisor_selatan,
        OTHER_CLERK: clerk_kota,
        STAFF: staff,
        SUPERUSER: superuser,
    }
    return {
        "rows": rows,
        "accounts": accounts,
        "handover": handover,
        "dispatch": dispatch,
        "message": failed,
        "import_job": import_job,
        "export_job": export_job,
        "print_run_job": print_run_job,
    }


def changelist_model(route: str):
    match = _MODEL_ROUTE.match(route)
    if match and match["page"] == "" and match["model"] in ADMIN_MODELS:
        return match["model"]
    return None


def url_for(route: str, world) -> str:
    rows = world["rows"]
    match = _MODEL_ROUTE.match(route)
    model_row = rows.get(match["model"]) if match else None
    receipt = world["handover"].receipt
    replacements = {
        "<path:number>": receipt.number,
        "<str:number>": receipt.number,
        "<int:run_id>": str(rows["distribution/printrun"].pk),
        "<path:content_type_id>": "1",
        "<id>": str(rows["auth/user"].pk),
        "<app_label>/": "distribution/",
        "(?P<url>.*)$": "tidak-ada/",
        "<path:object_id>": str(model_row.pk) if model_row else "1",
        "<str:token>": "not-a-signed-token",
        "<str:occasion>": "ready",
        "<str:channel>": "sms",
        "<str:language>": "id",
    }
    url = route
    for placeholder, value in replacements.items():
        url = url.replace(placeholder, value)
    if "<int:pk>" in url:
        pk = {
            # Before "staf/cetak/": the first prefix that matches names the row.
            "staf/cetak/tugas/": world["print_run_job"].pk,
            "staf/cetak/": rows["distribution/printrun"].pk,
            "staf/kartu/": rows["distribution/card"].pk,
            "staf/kiriman/": world["dispatch"].pk,
            "loket/kiriman/": world["dispatch"].pk,
            "staf/jadwal/": rows["distribution/pickupschedule"].pk,
            "loket/jadwal/": rows["distribution/pickupschedule"].pk,
            "staf/notifikasi/": world["message"].pk,
            "admin/receipts/import/": world["import_job"].pk,
            "staf/ekspor/tugas/": world["export_job"].pk,
        }
        for start, value in pk.items():
            if route.startswith(start):
                url = url.replace("<int:pk>", str(value))
    assert "<" not in url, url
    return "/" + url


def lets_in(response) -> bool | None:
    if response.status_code == 405:
        return None
    if response.status_code in (403, 404):
        return False
    if response.status_code == 302:
        location = response["Location"]
        if "/admin/login/" in location or "/loket/masuk/" in location:
            return False
    return True


def test_every_url_has_an_access_rule():
    missing = sorted({route for route in routes() if rule_for(route) is None})
    assert missing == [], "add a rule to tests/hardening/test_access_matrix.py for these"


@pytest.mark.slow
def test_access_matrix(client, world, record_property):
    clients = {}
    for persona in PERSONAS:
        client.cookies.clear()
        if persona != ANONYMOUS:
            client.force_login(world["accounts"][persona])
        clients[persona] = copy.deepcopy(client.cookies)
    wrong, cells, checked = [], 0, set()
    for route in sorted(set(routes())):
        expected = rule_for(route)
        if expected is None:
            wrong.append(("no rule", route))
            continue
        checked.add(route)
        url = url_for(route, world)
        for persona in PERSONAS:
            for method in ("GET", "POST"):
                client.cookies = copy.deepcopy(clients[persona])
                model = changelist_model(route)
                data, row = {}, world["rows"].get(model)
                if method == "POST" and model:
                    data = {"action": "delete_selected", "_selected_action": [row.pk]}
                    data["post"] = "yes"
                # A bare savepoint, not atomic(): services open durable atomic blocks, which
                # may nest only in the test case's own transaction.
                savepoint = transaction.savepoint()
                response = client.generic(method, url, urlencode(data, doseq=True),
                                          "application/x-www-form-urlencoded")  # fmt: skip
                survived = row is None or type(row).objects.filter(pk=row.pk).exists()
                transaction.savepoint_rollback(savepoint)
                cells += 1
                assert response.status_code < 500, (method, url, persona)
                allowed = expected[method]
                got = lets_in(response)
                if allowed is not ANYTHING and got is not None and got != (persona in allowed):
                    wrong.append((method, url, persona, response.status_code, got))
                if row and method == "POST" and survived == (persona in expected["deletes"]):
                    wrong.append((method, url, persona, "deleted" if not survived else "kept"))
    # Shown in the terminal summary by tests/conftest.py: a property travels with the report
    # to pytest-xdist's controller, which does not show what its workers print.
    record_property(
        "access_matrix", {"cells": cells, "routes": len(checked), "personas": len(PERSONAS)}
    )
    assert wrong == [], "\n".join(map(str, wrong))
    # The floor: every cell of every route with a rule was requested, and every explicit rule
    # still names a route (a route renamed or gone takes its cells with it otherwise).
    assert cells == len(checked) * len(PERSONAS) * 2
    assert set(ROUTES) <= checked, sorted(set(ROUTES) - checked)
    assert {changelist_model(route) for route in checked} >= set(ADMIN_MODELS)
