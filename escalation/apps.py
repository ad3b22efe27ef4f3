from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = "Escalation and SLA"

    def ready(self) -> None:
        # Imported here, not at the top: Django app loading (these modules import models, which
        # exist only once the app registry is ready). Not a cycle dodge: all of them are below
        # or inside escalation.
        from celery.signals import beat_init

        from helpdesk import health
        from notifications import hooks as outbox_hooks
        from tickets import hooks

        from . import list_views, metrics
        from .engine import on_ticket_events
        from .heartbeat import readiness_check, start_watchdog
        from .notices import endpoint_secret, notice_obsolete
        from .sms_ack import ack_by_sms

        hooks.subscribe(on_ticket_events)
        metrics.register()
        hooks.subscribe_sms(ack_by_sms)
        outbox_hooks.register_obsolete(notice_obsolete)
        outbox_hooks.register_webhook_secret(endpoint_secret)
        list_views.register()
        # The sweep's heartbeat on /readyz; the watchdog runs in beat, never in the worker it watches.
        health.register("sweep", readiness_check, needed=False)
        beat_init.connect(start_watchdog, weak=False)
