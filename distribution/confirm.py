"""A confirmation step for what a clerk or staff member cannot undo (POST → confirm → POST).

"Salah cetak", "Tandai tercetak", "Kirim" and the arrival of a dispatch acted on one click.
The first POST now renders a page that says what will happen, carrying the submitted fields
as hidden inputs; only the second POST, with ``konfirmasi=1``, calls the service. No
JavaScript: it is two plain forms.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _

CONFIRM_FIELD = "konfirmasi"


def is_confirmed(request) -> bool:
    return request.POST.get(CONFIRM_FIELD) == "1"


def confirm_page(
    request,
    *,
    title: str,
    summary: str,
    action: str,
    button: str,
    back: str,
    details=(),
    carry=(),
    note_field=None,
    base: str = "distribution/staff_confirm_base.html",
    danger: bool = False,
):
    """Render the confirmation of ``title``; ``carry`` names POST fields to submit again."""
    hidden = [(name, value) for name in carry for value in request.POST.getlist(name)]
    return render(
        request,
        "distribution/confirm.html",
        {
            "base": base,
            "title": title,
            "summary": summary,
            "details": details,
            "action": action,
            "button": button,
            "back": back,
            "hidden": hidden,
            "note_field": note_field,
            "confirm_field": CONFIRM_FIELD,
            "danger": danger,
        },
    )


def arrival_confirm_page(request, dispatch, *, missing, action, back, base):
    """Confirm the arrival of ``dispatch`` with ``missing`` cards ticked as absent."""
    total = dispatch.items.count()
    return confirm_page(
        request,
        title=_("Konfirmasi kiriman #%(id)s sampai?") % {"id": dispatch.pk},
        summary=_(
            '%(arrived)s kartu menjadi "Siap diambil" di %(kecamatan)s dan %(missing)s kartu '
            "dicatat tidak ada. Pemiliknya langsung melihatnya; ini tidak bisa dibatalkan."
        )
        % {"arrived": total - missing, "missing": missing, "kecamatan": dispatch.kecamatan},
        action=action,
        button=_("Ya, kiriman sampai"),
        back=back,
        carry=("missing", "note"),
        base=base,
    )
