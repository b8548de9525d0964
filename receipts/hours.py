"""Counter hours as data: "1-4 08:00-15:00; 5 08:00-11:00" (ISO weekdays, 1 = Monday).

Stored in this short language-neutral form and rendered per language, so the English page
says "Monday–Thursday 08:00–15:00 WITA" where the Indonesian one says "Senin–Kamis
08.00–15.00 WITA". Text that is not in this form (older free-text entries) is shown as it was
written, so nothing disappears from a page; the admin accepts only the structured form.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

_PART = re.compile(r"^([1-7])(?:-([1-7]))? ([0-2]\d):([0-5]\d)-([0-2]\d):([0-5]\d)$")
_DAY_NAMES = {
    1: pgettext_lazy("hari", "Senin"),
    2: pgettext_lazy("hari", "Selasa"),
    3: pgettext_lazy("hari", "Rabu"),
    4: pgettext_lazy("hari", "Kamis"),
    5: pgettext_lazy("hari", "Jumat"),
    6: pgettext_lazy("hari", "Sabtu"),
    7: pgettext_lazy("hari", "Minggu"),
}
HELP_TEXT = gettext_lazy(
    "Format: hari jam-jam, dipisah titik koma. Hari 1 = Senin … 7 = Minggu. "
    "Contoh: 1-4 08:00-15:00; 5 08:00-11:00"
)


@dataclass(frozen=True)
class Opening:
    first_day: int
    last_day: int
    opens: datetime.time
    closes: datetime.time


def parse(value: str) -> list[Opening] | None:
    """The openings of ``value``, or None when it is not in the structured form."""
    value = (value or "").strip()
    if not value:
        return []
    openings = []
    for part in value.split(";"):
        match = _PART.match(" ".join(part.split()))
        if match is None:
            return None
        first, last, oh, om, ch, cm = match.groups()
        try:
            opens, closes = datetime.time(int(oh), int(om)), datetime.time(int(ch), int(cm))
        except ValueError:
            return None
        first_day, last_day = int(first), int(last or first)
        if last_day < first_day or closes <= opens:
            return None
        openings.append(Opening(first_day, last_day, opens, closes))
    return openings


def validate_hours(value: str):
    if parse(value) is None:
        raise ValidationError(
            _("Jam layanan tidak dikenali. %(help)s") % {"help": HELP_TEXT}, code="hours"
        )


def render(value: str) -> str:
    """``value`` in the current language ("" when empty; free text as written)."""
    openings = parse(value)
    if openings is None:
        return value
    # The same msgid and context as the templates' time format: 14.30 / 14:30.
    time_format = pgettext(
        "format jam (Django time filter): 14.30 in Indonesian, 14:30 in English", "H.i"
    )
    parts = []
    for o in openings:
        days = str(_DAY_NAMES[o.first_day])
        if o.last_day != o.first_day:
            days += "–" + str(_DAY_NAMES[o.last_day])
        opens = formats.time_format(o.opens, time_format)
        closes = formats.time_format(o.closes, time_format)
        parts.append(f"{days} {opens}–{closes}")
    return ", ".join(parts) + (" WITA" if parts else "")
