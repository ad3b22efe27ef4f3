"""Celery tasks. They take ids, re-fetch and are idempotent: a redelivered task does nothing new."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import engine, oncall
from .heartbeat import heartbeat_stamp


@shared_task(acks_late=True, ignore_result=True)
def sweep(helper: bool = False) -> int:
    """Periodic (settings.SLA_SWEEP_SECONDS) and precise delayed runs: fire what is due. When a
    batch comes back full, SLA_SWEEP_HELPERS helper sweeps join at once on the other worker
    processes (SKIP LOCKED splits the rows; a helper calls no helpers of its own). A sweep that
    ran to the end stamps the heartbeat (escalation.heartbeat)."""
    started = timezone.now()

    def call_helpers() -> None:
        # In process (no broker) a helper would only run after this sweep, on the same thread.
        for _ in range(1 if settings.CELERY_TASK_ALWAYS_EAGER else settings.SLA_SWEEP_HELPERS):
            sweep.delay(helper=True)

    done = engine.sweep(on_full_batch=None if helper else call_helpers)
    heartbeat_stamp(started_at=started, processed=done)
    return done


@shared_task(acks_late=True, ignore_result=True)
def oncall_handoff() -> int:
    """Periodic (every minute): the hand-off SMS to whoever's shift has just begun (exactly once
    per shift change, by the outbox key)."""
    return oncall.handoff_sweep()
