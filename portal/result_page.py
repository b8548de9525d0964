"""The /cek/ result page without rendering a template per request: pre-rendered skeletons, filled.

A cold lookup (a resident's first, most of real traffic) spent two thirds of its time in the
template engine: ~290 nodes, ~60 translations, ~28 date formats and 8 ``reverse()`` calls per
page (bench/profile_lookup.py --cold). But almost all of the page is the same for every
receipt of one status and situation in one language: the header and footer, the status box
and what to do, the steps, what to bring, the help link and the form. So:

- the **skeleton** is ``portal/_result_skeleton.html``: result.html itself, rendered once per
  process for each (language, script prefix, status, situation) with markers for the values
  of one receipt (its number, the masked name, the language switch's return address) and
  with slots for its parts (the queue estimate, the pickup days, the office, the timeline);
- the **office** and **pickup days** parts are rendered by their own partials and kept by
  value: the key is the data they show (the kecamatan's or head office's fields, the
  kelurahan's name and its pickup days), so an edit is a new key, never a stale part;
- the **timeline** is built here, with the date and time strings of Django's own ``date`` and
  ``time`` filters kept per day and per minute, and the **queue estimate** (recorded receipts
  only) is rendered by ``_queue.html`` each time (its figures are the receipt's own);
- the markers are replaced by escaped values, as the template would have escaped them.

tests/portal/test_result_page.py checks the filled page against result.html rendered in
full, byte for byte, for every status and situation, in both languages.
``LOOKUP_PRERENDERED = False`` (the default with DEBUG on, so that an edited template shows at
once) renders result.html in full instead.
"""

import functools
import re
from urllib.parse import urlencode

from django.conf import settings
from django.template import defaultfilters
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language, pgettext

from portal import guidance, lookup_cache
from portal.forms import FORMAT_HINT, LookupForm
from portal.guidance import GUIDANCE, Office
from receipts.models import Status

_MARK = "@@ektp:{}@@"
_SLOT = re.compile(r"@@ektp:(\w+)@@")
# Parts kept by value: bounded, a new process starts empty.
_PART_ENTRIES = 2000
# The dates and times of day of timeline steps: ~3,650 days in ten years and 1,440 minutes,
# per language, so that a worker rebuilds none of them once it has seen them all.
_MOMENT_ENTRIES = 10_000


def enabled() -> bool:
    return settings.LOOKUP_PRERENDERED


def time_format() -> str:
    # The same msgid and context as result.html's {% translate ... as time_format %}.
    return pgettext("format jam (Django time filter): 14.30 in Indonesian, 14:30 in English", "H.i")


# The step indicator: (step label, statuses for which this step is the current one).
STEPS = [
    ("rekam", (Status.RECORDED,)),
    ("cetak", (Status.QUEUED, Status.PRINTED)),
    ("kirim", (Status.DISPATCHED,)),
    ("siap", (Status.READY,)),
    ("diambil", (Status.COLLECTED,)),
]


def steps(status: str) -> list[dict]:
    """The five steps with their state (done/current/todo); empty when off the normal path."""
    current = next((i for i, (_key, codes) in enumerate(STEPS) if status in codes), None)
    if current is None:
        return []
    return [
        {"key": key, "state": "done" if i < current else "current" if i == current else "todo"}
        for i, (key, _codes) in enumerate(STEPS)
    ]


class _SkeletonReceipt:
    """What the skeleton shows of a receipt: its status, and markers for the rest."""

    def __init__(self, status: str):
        self.status = status
        self.status_label = Status(status).label
        self.number = _MARK.format("number")
        self.masked_name = _MARK.format("name")


@functools.lru_cache(maxsize=256)
def _skeleton(language: str, prefix: str, status: str, situation: str) -> list[str]:
    """The page for (language, script prefix, status, situation), split into
    [text, slot, text, slot, ...]. Rendered without a request: nothing of one goes into the
    page (the CSRF token is a placeholder, the language switch returns to a marker)."""
    context = {
        "r": _SkeletonReceipt(status),
        "g": GUIDANCE[situation],
        "steps": steps(status),
        "form": LookupForm(initial={"nomor": _MARK.format("number")}),
        "hint": FORMAT_HINT,
        "csrf_token": lookup_cache.CSRF_PLACEHOLDER,
        "language_next": _MARK.format("next"),
        "messages": (),
    }
    return _SLOT.split(render_to_string("portal/_result_skeleton.html", context))


def _kept(cache: dict, key, build, entries: int = _PART_ENTRIES):
    try:
        return cache[key]
    except KeyError:
        pass
    if len(cache) >= entries:
        cache.clear()
    value = cache[key] = build()
    return value


_offices: dict = {}
_schedules: dict = {}
_starts: dict = {}
_days: dict = {}
_minutes: dict = {}


def _office(language: str, result, guidance) -> str:
    if guidance.office == Office.KECAMATAN:
        key = ("kecamatan", language, result.kecamatan, result.counter_hours)
        return _kept(
            _offices,
            key,
            lambda: render_to_string(
                "portal/_office.html", {"k": result.kecamatan, "hours": result.counter_hours}
            ),
        )
    if guidance.office == Office.HEAD:
        key = ("head", language, result.head_office)
        return _kept(
            _offices,
            key,
            lambda: render_to_string("portal/_head_office.html", {"office": result.head_office}),
        )
    return ""


def _schedule(language: str, result, guidance) -> str:
    if not guidance.schedule:
        return ""
    key = (language, result.kelurahan_name, tuple(result.schedules))
    return _kept(
        _schedules,
        key,
        lambda: render_to_string(
            "portal/_schedule.html",
            {"r": result, "time_format": time_format(), "LANGUAGE_CODE": language},
        ),
    )


def _timeline(language: str, result) -> str:
    """portal/_timeline.html, built here: it is the one part unique to every receipt.

    Per event, only its moment is new: the item's start (the step's label, a misprint's class)
    is kept per (language, step), the date and the time of day per day and per minute; the
    ISO timestamp needs no escaping (digits, ``-:.+T``)."""
    fmt = time_format()
    zone = timezone.get_current_timezone()
    items = []
    for from_status, to_status, moment in result.events:
        at = moment.astimezone(zone)  # timezone.localtime, without its lookup per event
        start = _kept(
            _starts,
            (language, from_status, to_status),
            lambda f=from_status, t=to_status: _item_start(*guidance.timeline_step(f, t)),
        )
        day = _kept(
            _days,
            (language, at.year, at.month, at.day),
            lambda a=at: escape(defaultfilters.date(a, "j F Y")),
            _MOMENT_ENTRIES,
        )
        minute = _kept(
            _minutes,
            (language, fmt, at.hour, at.minute),
            lambda a=at: escape(defaultfilters.time(a, fmt)),
            _MOMENT_ENTRIES,
        )
        items.append(f'{start}{at.isoformat()}">{day}, {minute} WITA</time></li>')
    head, empty = _timeline_frame(language)
    return head.replace(_MARK.format("items"), "".join(items) or empty)


def _item_start(label, misprint: bool) -> str:
    css = ' class="misprint"' if misprint else ""
    return f'<li{css}><strong>{escape(label)}</strong><br><time datetime="'


@functools.lru_cache(maxsize=16)
def _timeline_frame(language: str) -> tuple[str, str]:
    """The timeline's section around its items, and the item an empty timeline shows."""

    class _Empty:
        timeline = ()

    empty_page = render_to_string("portal/_timeline.html", {"r": _Empty()})
    match = re.search(r'(<ol class="timeline">)(.*)(</ol>)', empty_page, re.S)
    head = empty_page[: match.start(2)] + _MARK.format("items") + empty_page[match.end(2) :]
    return head, match.group(2)


def render(result, number: str) -> str:
    """The result page of ``result`` for the normalised ``number``, with the CSRF token
    left as lookup_cache.CSRF_PLACEHOLDER (replaced on the way out, as for a kept page)."""
    language = get_language()
    guidance = result.guidance
    parts = _skeleton(language, get_script_prefix(), result.status, result.situation)
    queue = ""
    if result.estimate:
        queue = render_to_string("portal/_queue.html", {"e": result.estimate})
    values = {
        "number": escape(number),
        "name": escape(result.masked_name),
        "next": escape(_lookup_url() + "?" + urlencode({"nomor": number})),
        "queue": queue,
        "schedule": _schedule(language, result, guidance),
        "office": _office(language, result, guidance),
        "timeline": _timeline(language, result),
    }
    out = parts[:]
    for i in range(1, len(out), 2):
        out[i] = values[out[i]]
    return "".join(out)


def _lookup_url() -> str:
    return _lookup_urls(get_script_prefix())


@functools.lru_cache(maxsize=16)
def _lookup_urls(prefix: str) -> str:
    return reverse("receipts:lookup")
