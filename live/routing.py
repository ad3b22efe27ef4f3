from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/echo/", consumers.EchoConsumer.as_asgi()),
    path("ws/status/", consumers.StatusConsumer.as_asgi()),
    path("ws/console/", consumers.ConsoleConsumer.as_asgi()),
    path("ws/tickets/<int:ticket_id>/", consumers.TicketConsumer.as_asgi()),
]
