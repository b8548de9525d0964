"""Staff pages of Disdukcapil (print runs, dispatches). Login and permission required."""

from django.urls import path  # noqa: F401

app_name = "staf"

urlpatterns: list = []
