from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # Django app loading (not a cycle dodge): the sentences of the vendor's and the rating's
        # event kinds join the timeline renderer.
        from . import timeline_vendor  # noqa: F401
