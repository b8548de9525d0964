from django.contrib import admin
from django.urls import include, path

from disdukcapil.health import readyz
from receipts import admin_import

urlpatterns = [
    # Readiness for the load balancer (database + replica lag); /healthz is liveness.
    path("readyz", readyz, name="readyz"),
    path("", include("portal.urls")),
    path("loket/kontak/", include("notifications.urls_counter")),
    path("loket/", include("distribution.urls_counter")),
    path("staf/ekspor/", include("distribution.urls_exports")),
    path("staf/notifikasi/", include("notifications.urls_staff")),
    path("staf/", include("distribution.urls")),
    path("pesan/", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "admin/receipts/import/",
        admin.site.admin_view(admin_import.import_view),
        name="receipts_import",
    ),
    path(
        "admin/receipts/import/<int:pk>/",
        admin.site.admin_view(admin_import.job_view),
        name="receipts_import_job",
    ),
    path(
        "admin/receipts/import/<int:pk>/ditolak.csv",
        admin.site.admin_view(admin_import.rejects_view),
        name="receipts_import_rejects",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
