from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    """The project package as an app: the request layer's one model (idempotency records)."""

    name = "helpdesk"
    label = "helpdesk"
    verbose_name = "Request layer"
