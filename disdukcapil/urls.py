from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("receipts.urls")),
    path("loket/", include("distribution.urls_counter")),
    path("staf/", include("distribution.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "receipts.views.bad_request"
handler404 = "receipts.views.page_not_found"
handler500 = "receipts.views.server_error"
