"""CSV exports for Disdukcapil staff, under /staf/ekspor/ (namespace ``ekspor``)."""

from django.urls import path

from distribution import exports

app_name = "ekspor"

urlpatterns = [
    path("cetak/<int:run_id>/", exports.print_list, name="print_list"),
    path("resi/", exports.receipts_by_status, name="receipts"),
]
