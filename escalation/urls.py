from django.urls import path

from . import vendor_views, views

app_name = "escalation"
urlpatterns = [
    path("ack/<str:token>/", vendor_views.ack, name="ack"),
    path("vendor/", vendor_views.vendor_queue, name="vendor-queue"),
    path("vendor/team/", vendor_views.vendor_team, name="vendor-team"),
    path("vendor/tickets/<str:number>/", vendor_views.vendor_ticket, name="vendor-ticket"),
    path("reports/accountability/", views.accountability, name="accountability"),
]
