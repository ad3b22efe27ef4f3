from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The agent's workspace around tickets: in-page notifications and the telephony link."""

    name = "desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django app loading: imported once the app registry is ready (these modules import
        # models). Not a cycle dodge: each import points down or inside this app.
        from tickets import hooks

        from . import calls, notifications

        hooks.subscribe(notifications.on_ticket_events)
        hooks.subscribe(calls.on_ticket_events)
