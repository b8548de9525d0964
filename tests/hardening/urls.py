"""Test-only URLs: the project's URLs plus views that fail the way a dead database does."""

from django.db import OperationalError
from django.http import HttpResponse
from django.urls import include, path


def database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def writes_session(request):
    request.session["seen"] = True
    return HttpResponse("ok")


urlpatterns = [
    path("rusak/db/", database_gone),
    path("api/rusak/db/", database_gone),
    path("rusak/sesi/", writes_session),
    path("", include("disdukcapil.urls")),
]
