"""Public notification endpoints: the e-mail opt-out link and the providers' webhooks."""

from django.urls import path

from notifications import views, webhooks

app_name = "notifications"

urlpatterns = [
    path("berhenti/<str:token>/", views.opt_out, name="opt_out"),
    path("webhook/sms/", webhooks.sms_inbound, name="sms_inbound"),
    path("webhook/sms/status/", webhooks.sms_status, name="sms_status"),
    path("webhook/whatsapp/", webhooks.whatsapp, name="whatsapp"),
]
