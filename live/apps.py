from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"

    def ready(self) -> None:
        # Django app loading: imported once the app registry is ready (these modules import
        # models). Not a cycle dodge: each import points down or inside this app.
        from tickets import hooks

        from .events import on_ticket_events

        hooks.subscribe(on_ticket_events, first=True)
