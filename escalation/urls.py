from django.urls import path

from . import views

app_name = "escalation"
urlpatterns = [
    path("ack/<str:token>/", views.ack, name="ack"),
    path("vendor/", views.vendor_queue, name="vendor-queue"),
    path("vendor/tickets/<str:number>/", views.vendor_ticket, name="vendor-ticket"),
    path("reports/accountability/", views.accountability, name="accountability"),
]
