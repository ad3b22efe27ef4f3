from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"

    def ready(self) -> None:
        from tickets import hooks

        from .events import on_ticket_events

        hooks.subscribe(on_ticket_events)
