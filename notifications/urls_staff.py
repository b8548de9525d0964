from django.urls import path

from notifications import views_staff

app_name = "notifications_staff"

urlpatterns = [
    path("", views_staff.overview, name="overview"),
    path("<int:pk>/kirim-ulang/", views_staff.resend, name="resend"),
    path("urutan/", views_staff.order_set, name="order"),
    path(
        "templat/<str:occasion>/<str:channel>/<str:language>/",
        views_staff.template_edit,
        name="template",
    ),
]
