from django.urls import path

from receipts import views

app_name = "receipts"

urlpatterns = [
    path("", views.home, name="home"),
    path("cek/", views.lookup, name="lookup"),
    path("api/v1/receipts/<str:number>/", views.api_receipt, name="api_receipt"),
    path("healthz", views.healthz, name="healthz"),
]
