"""Celery tasks of the outbox. They take ids, re-fetch and are idempotent: a redelivered task
does nothing new (each message is claimed under its row lock)."""

from celery import shared_task

from . import outbox, retention


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    return outbox.deliver(message_id)


@shared_task(acks_late=True, ignore_result=True)
def deliver_messages(message_ids: list[int]) -> int:
    """The messages of one batch (a window of receipts, a sweep's notices, the retry job's due
    rows); each is claimed under its row lock, so a redelivered task or the retry job never
    sends one twice."""
    return outbox.deliver_many(message_ids)


@shared_task(acks_late=True, ignore_result=True)
def outbox_retry() -> dict:
    return outbox.outbox_retry()


@shared_task(acks_late=True, ignore_result=True)
def outbox_purge() -> dict:
    """Periodic: redact stale secrets, delete finished messages past OUTBOX_RETENTION_DAYS."""
    return retention.outbox_purge()
