from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation and SLA"

    def ready(self) -> None:
        from tickets import hooks

        from . import list_views
        from .engine import on_ticket_events
        from .sms_ack import ack_by_sms

        hooks.subscribe(on_ticket_events)
        hooks.subscribe_sms(ack_by_sms)
        list_views.register()
