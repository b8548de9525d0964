from django.urls import path

from portal import views, views_stats

# The namespace kept its name when these pages moved here from receipts/: templates, tests,
# Receipt.get_absolute_url and settings.REPLICA_READ_VIEWS name "receipts:lookup" and friends.
app_name = "receipts"

urlpatterns = [
    path("", views.home, name="home"),
    path("cek/", views.lookup, name="lookup"),
    # <path:> so that a number typed with slashes still reaches the API's own 400/404 JSON.
    path("api/v1/receipts/<path:number>/", views.api_receipt, name="api_receipt"),
    path("statistik/", views_stats.statistik, name="statistik"),
    path("bantuan/", views.bantuan, name="bantuan"),
    path("healthz", views.healthz, name="healthz"),
]
