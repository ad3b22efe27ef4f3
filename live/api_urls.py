from django.urls import path

from . import api

urlpatterns = [
    path("live/status/", api.StatusView.as_view(), name="live-status"),
    path("live/events/", api.EventsView.as_view(), name="live-events"),
    path("live/incidents/", api.IncidentListView.as_view(), name="live-incidents"),
    path("live/incidents/<int:incident_id>/", api.IncidentDetailView.as_view(), name="live-incident"),
    path("live/incidents/<int:incident_id>/updates/", api.IncidentUpdateView.as_view(), name="live-incident-updates"),
    path("live/incidents/<int:incident_id>/notes/", api.IncidentNoteView.as_view(), name="live-incident-notes"),
    path("live/incidents/<int:incident_id>/transition/", api.IncidentTransitionView.as_view(),
         name="live-incident-transition"),
    path("live/incidents/<int:incident_id>/link/", api.IncidentLinkView.as_view(), name="live-incident-link"),
    path("live/components/<slug:code>/status/", api.ComponentStatusView.as_view(), name="live-component-status"),
    path("live/suspicions/", api.SuspicionListView.as_view(), name="live-suspicions"),
    path("live/suspicions/<int:suspicion_id>/confirm/", api.SuspicionDecisionView.as_view(decision="confirm"),
         name="live-suspicion-confirm"),
    path("live/suspicions/<int:suspicion_id>/dismiss/", api.SuspicionDecisionView.as_view(decision="dismiss"),
         name="live-suspicion-dismiss"),
]
