"""Staff pages of Disdukcapil (print runs, dispatches). Login and permission required."""

from django.urls import path

from distribution import views, views_pickup, views_print_jobs

app_name = "staf"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("blanko/", views.batch_create, name="batch_create"),
    path("cetak/baru/", views.run_new, name="run_new"),
    path("cetak/pratinjau/", views.run_preview, name="run_preview"),
    path("cetak/", views.run_create, name="run_create"),
    path("cetak/<int:pk>/", views.run_detail, name="run_detail"),
    # A run too big for one request, created by the task worker (distribution/print_run_jobs.py).
    path("cetak/tugas/<int:pk>/", views_print_jobs.run_job, name="run_job"),
    path("cetak/<int:pk>/tercetak/", views.run_mark_printed, name="run_mark_printed"),
    path("cetak/<int:pk>/kirim/", views.run_dispatch, name="run_dispatch"),
    path("kartu/<int:pk>/rusak/", views.card_spoil, name="card_spoil"),
    path("kiriman/<int:pk>/", views.dispatch_detail, name="dispatch_detail"),
    path("kiriman/<int:pk>/terima/", views.dispatch_receive, name="dispatch_receive"),
    path("kiriman/<int:pk>/jadwal/", views.dispatch_schedule, name="dispatch_schedule"),
    path("jadwal/", views_pickup.staff_pickup_days, name="pickup_days"),
    path("jadwal/<int:pk>/daftar/", views_pickup.staff_pickup_day, name="pickup_day"),
    path("jadwal/<int:pk>/daftar.csv", views_pickup.staff_pickup_day_csv, name="pickup_day_csv"),
    path("jadwal/<int:pk>/ubah/", views_pickup.staff_pickup_day_edit, name="pickup_day_edit"),
    path("jadwal/<int:pk>/batal/", views_pickup.staff_pickup_day_cancel, name="pickup_day_cancel"),
]
