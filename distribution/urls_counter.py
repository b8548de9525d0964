"""The kecamatan counter application (/loket/). Login required on every page."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

app_name = "loket"

urlpatterns = [
    path(
        "masuk/",
        auth_views.LoginView.as_view(template_name="distribution/login.html"),
        name="login",
    ),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("", TemplateView.as_view(template_name="distribution/counter_home.html"), name="home"),
]
