from django.urls import path

from . import api, api_voice

urlpatterns = [
    path("sla/tickets/<str:number>/clocks/", api.TicketClocks.as_view(), name="api-sla-clocks"),
    path("sla/tickets/<str:number>/acknowledge/", api.TicketAcknowledge.as_view(), name="api-sla-acknowledge"),
    path("sla/tickets/<str:number>/progress/", api.TicketProgress.as_view(), name="api-sla-progress"),
    path("sla/calendars/", api.CalendarList.as_view(), name="api-sla-calendars"),
    path("sla/policies/", api.PolicyList.as_view(), name="api-sla-policies"),
    path("sla/ladders/", api.LadderList.as_view(), name="api-sla-ladders"),
    path("sla/rotations/", api.RotationList.as_view(), name="api-sla-rotations"),
    path("sla/escalations/", api.EscalationList.as_view(), name="api-sla-escalations"),
    path("voice/callback/", api_voice.VoiceCallback.as_view(), name="api-voice-callback"),
    path("sla/accountability/", api.Accountability.as_view(), name="api-sla-accountability"),
]
