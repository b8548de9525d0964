"""``{% idempotency_field %}``: the hidden one-time token of a create form (distribution.idempotency)."""

from django import template
from django.utils.html import format_html

from distribution.idempotency import FIELD, is_token, new_token

register = template.Library()


@register.simple_tag(takes_context=True)
def idempotency_field(context):
    request = context.get("request")
    posted = request.POST.get(FIELD, "") if request is not None else ""
    # Shown again after an error, a form keeps its token (nothing was created with it).
    token = posted if is_token(posted) else new_token()
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token)
