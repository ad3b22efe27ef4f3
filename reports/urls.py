from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/state/", views.state_dashboard, name="state"),
    path("reports/district/", views.district_dashboard, name="district"),
    path("reports/handover/", views.handover, name="handover"),
    path("reports/monthly/", views.monthly, name="monthly"),
]
