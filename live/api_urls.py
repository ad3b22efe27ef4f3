from django.urls import path

from .api import components, incidents, status, suspicions

urlpatterns = [
    path("live/status/", status.StatusView.as_view(), name="live-status"),
    path("live/events/", status.EventsView.as_view(), name="live-events"),
    path("live/incidents/", incidents.IncidentListView.as_view(), name="live-incidents"),
    path("live/incidents/<int:incident_id>/", incidents.IncidentDetailView.as_view(), name="live-incident"),
    path("live/incidents/<int:incident_id>/updates/", incidents.IncidentUpdateView.as_view(), name="live-incident-updates"),
    path("live/incidents/<int:incident_id>/notes/", incidents.IncidentNoteView.as_view(), name="live-incident-notes"),
    path("live/incidents/<int:incident_id>/transition/", incidents.IncidentTransitionView.as_view(),
         name="live-incident-transition"),
    path("live/incidents/<int:incident_id>/link/", incidents.IncidentLinkView.as_view(), name="live-incident-link"),
    path("live/components/<slug:code>/status/", components.ComponentStatusView.as_view(), name="live-component-status"),
    path("live/suspicions/", suspicions.SuspicionListView.as_view(), name="live-suspicions"),
    path("live/suspicions/<int:suspicion_id>/confirm/", suspicions.SuspicionConfirmView.as_view(),
         name="live-suspicion-confirm"),
    path("live/suspicions/<int:suspicion_id>/dismiss/", suspicions.SuspicionDismissView.as_view(),
         name="live-suspicion-dismiss"),
]
