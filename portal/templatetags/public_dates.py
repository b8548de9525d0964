"""Date ranges as a resident reads them: "14 dan 28 Desember 2026", not two full dates."""

from django import template
from django.utils import dateformat
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def daterange(first, last) -> str:
    """``first`` and ``last`` (dates) in the current language, the shared month and year once."""
    if first is None or last is None:
        return ""
    if first == last:
        return dateformat.format(last, "j F Y")
    if (first.year, first.month) == (last.year, last.month):
        start = dateformat.format(first, "j")
    elif first.year == last.year:
        start = dateformat.format(first, "j F")
    else:
        start = dateformat.format(first, "j F Y")
    return _("%(first)s dan %(last)s") % {"first": start, "last": dateformat.format(last, "j F Y")}


@register.filter
def zip_labels(values, columns):
    """Pair each number of a table row with its column ((code, label)) for ``data-label``."""
    return list(zip(values, columns, strict=True))
