"""Public pages: the lookup form, the result page, the JSON API and the health check.

Placeholder views: the foundation issue fills them in.
"""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    return render(request, "receipts/home.html")


@require_GET
def lookup(request):
    return render(request, "receipts/home.html")


@require_GET
def api_receipt(request, number):
    return JsonResponse({"error": "not_found"}, status=404)


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
