"""The project's URLs plus a bare Django view: the floor the real lookup is compared with.

The bare view does what any Django page must: one indexed query (the unique index on the
receipt number) and a one-line template, behind the project's whole middleware stack.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET

from disdukcapil.urls import handler400, handler404, handler500
from disdukcapil.urls import urlpatterns as project_patterns
from receipts.models import Receipt

# Compiled once at import, like the cached template loader would.
BARE_TEMPLATE = engines["django"].from_string("<p>{{ number }}: {{ status }}</p>\n")


@require_GET
def bare_view(request, number):
    status = Receipt.objects.filter(number=number).values_list("status", flat=True).first()
    body = BARE_TEMPLATE.render({"number": number, "status": status})
    return HttpResponse(body, status=200 if status else 404)


urlpatterns = [path("bench/bare/<str:number>/", bare_view), *project_patterns]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
