from django.urls import path

from notifications import views_counter

app_name = "notifications_counter"

urlpatterns = [path("<str:number>/", views_counter.contact, name="contact")]
