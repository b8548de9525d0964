"""The kecamatan counter application (/loket/). Login required on every page."""

from django.contrib.auth import views as auth_views
from django.urls import path

from distribution import views_counter as views
from distribution import views_pickup

app_name = "loket"

urlpatterns = [
    path("masuk/", views.CounterLoginView.as_view(), name="login"),
    # LogoutView accepts POST only (Django 5): the header's logout button is a form.
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("resi/<str:number>/", views.receipt_detail, name="receipt"),
    path("resi/<str:number>/batal/", views.handover_undo_view, name="undo"),
    path("kiriman/", views.arrivals, name="arrivals"),
    path("kiriman/<int:pk>/", views.arrival_confirm, name="arrival"),
    path("hari-ini/", views.today, name="today"),
    path("hari-ini.csv", views.today_csv, name="today_csv"),
    path("jadwal/", views_pickup.counter_pickup_days, name="pickup_days"),
    path("jadwal/<int:pk>/", views_pickup.counter_pickup_day, name="pickup_day"),
    path("jadwal/<int:pk>.csv", views_pickup.counter_pickup_day_csv, name="pickup_day_csv"),
]
