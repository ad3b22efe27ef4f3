from django.urls import path

from . import api, api_config, api_policies, api_voice

urlpatterns = [
    path("sla/tickets/<str:number>/clocks/", api.TicketClocks.as_view(), name="api-sla-clocks"),
    path("sla/tickets/<str:number>/acknowledge/", api.TicketAcknowledge.as_view(), name="api-sla-acknowledge"),
    path("sla/tickets/<str:number>/progress/", api.TicketProgress.as_view(), name="api-sla-progress"),
    path("sla/calendars/", api.CalendarList.as_view(), name="api-sla-calendars"),
    path("sla/policies/", api_policies.PolicyCollection.as_view(), name="api-sla-policies"),
    path("sla/policies/<int:pk>/", api_policies.PolicyDetail.as_view(), name="api-sla-policy"),
    path("sla/ladders/", api_config.LadderCollection.as_view(), name="api-sla-ladders"),
    path("sla/ladders/<int:pk>/", api_config.LadderDetail.as_view(), name="api-sla-ladder"),
    path("sla/ladders/<int:pk>/test/", api_config.LadderTest.as_view(), name="api-sla-ladder-test"),
    path("sla/rotations/", api_config.RotationCollection.as_view(), name="api-sla-rotations"),
    path("sla/rotations/<int:pk>/", api_config.RotationDetail.as_view(), name="api-sla-rotation"),
    path("sla/rotations/<int:pk>/overrides/", api_config.OverrideCollection.as_view(), name="api-sla-overrides"),
    path("sla/rotations/<int:pk>/overrides/<int:override_id>/", api_config.OverrideDetail.as_view(),
         name="api-sla-override"),
    path("sla/escalations/", api.EscalationList.as_view(), name="api-sla-escalations"),
    path("voice/callback/", api_voice.VoiceCallback.as_view(), name="api-voice-callback"),
    path("sla/accountability/", api.Accountability.as_view(), name="api-sla-accountability"),
]
