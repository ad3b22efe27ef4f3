"""The notification outbox: the only way anything is sent to a person.

`outbox_enqueue` writes the intent in the caller's transaction (unique idempotency key: the same
intent twice is one row) and schedules delivery after commit.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from .channels import DeliveryError, send_email, sms_backend
from .models import OutboxMessage


def outbox_enqueue(
    *, channel: str, recipient: str, body: str, idempotency_key: str, subject: str = "",
    ticket_id: int | None = None, language: str = "en",
) -> OutboxMessage:
    """Record one message to send. Idempotent on `idempotency_key`. Delivery starts on commit."""
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                idempotency_key=idempotency_key, channel=channel, recipient=recipient, body=body,
                subject=subject, ticket_id=ticket_id, language=language, next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message.pk))
    return message


def deliver(message_id: int) -> str:
    """Send one pending message. Claims it with a row lock so two workers never send it twice."""
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id, status=OutboxMessage.Status.PENDING).first())
        if message is None:
            return "skipped"
        message.status = OutboxMessage.Status.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts"])
    try:
        if message.channel == OutboxMessage.Channel.SMS:
            sms_backend().send(to=message.recipient, text=message.body)
        elif message.channel == OutboxMessage.Channel.EMAIL:
            send_email(to=message.recipient, subject=message.subject, text=message.body)
        else:
            raise DeliveryError(f"no backend for {message.channel}")
    except DeliveryError as exc:
        message.status = OutboxMessage.Status.PENDING if message.attempts < 5 else OutboxMessage.Status.FAILED
        message.last_error = str(exc)[:1000]
        message.next_attempt_at = timezone.now() + dt.timedelta(seconds=30 * 2 ** message.attempts)
        message.save(update_fields=["status", "last_error", "next_attempt_at"])
        return "failed"
    message.status = OutboxMessage.Status.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "sent_at"])
    return "sent"
