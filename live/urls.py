from django.urls import path

from . import views

app_name = "live"
urlpatterns = [
    path("status/", views.status_page, name="status"),
    path("status/feed.atom", views.StatusFeed(), name="status-feed"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_create, name="incident-create"),
    path("incidents/components/", views.component_status, name="component-status"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/update/", views.incident_update, name="incident-update"),
    path("incidents/<int:incident_id>/note/", views.incident_note, name="incident-note"),
    path("incidents/<int:incident_id>/transition/", views.incident_transition, name="incident-transition"),
    path("incidents/<int:incident_id>/cadence/", views.incident_cadence, name="incident-cadence"),
    path("incidents/<int:incident_id>/link/", views.incident_link, name="incident-link"),
    path("incidents/suspicions/<int:suspicion_id>/confirm/", views.suspicion_confirm, name="suspicion-confirm"),
    path("incidents/suspicions/<int:suspicion_id>/dismiss/", views.suspicion_dismiss, name="suspicion-dismiss"),
]
