"""CSV exports for Disdukcapil staff, under /staf/ekspor/ (namespace ``ekspor``)."""

from django.urls import path

from distribution import exports, views_exports

app_name = "ekspor"

urlpatterns = [
    path("cetak/<int:run_id>/", exports.print_list, name="print_list"),
    path("resi/", exports.receipts_by_status, name="receipts"),
    # Big exports, written by the task worker (distribution/export_jobs.py).
    path("tugas/", views_exports.jobs, name="jobs"),
    path("tugas/<int:pk>/", views_exports.job, name="job"),
    path("tugas/<int:pk>/unduh/", views_exports.download, name="download"),
]
