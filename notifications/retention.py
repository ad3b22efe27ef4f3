"""Retention of the outbox (README "Retention"). The escalation ledger itself (records, notices,
clock events) is the accountability record and is kept."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

FINISHED = (OutboxMessage.Status.SENT, OutboxMessage.Status.CANCELLED, OutboxMessage.Status.FAILED)


def outbox_purge(*, now: dt.datetime | None = None, batch: int = 5000) -> dict[str, int]:
    """Redact secrets of messages too old to be worth sending (an OTP that expired unsent is
    cancelled), then delete finished messages older than OUTBOX_RETENTION_DAYS, in batches.
    Idempotent; takes no lock beyond the rows it changes."""
    now = now or timezone.now()
    secret_cutoff = now - dt.timedelta(minutes=settings.SECRET_MESSAGE_MAX_AGE_MINUTES)
    with transaction.atomic():
        stale = OutboxMessage.objects.filter(created_at__lt=secret_cutoff).exclude(redacted_body="")
        cancelled = stale.filter(status=OutboxMessage.Status.PENDING).update(status=OutboxMessage.Status.CANCELLED)
        redacted = stale.exclude(status=OutboxMessage.Status.SENDING).update(body=F("redacted_body"), redacted_body="")
    cutoff = now - dt.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(OutboxMessage.objects.filter(created_at__lt=cutoff, status__in=FINISHED)
                   .order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]
    return {"redacted": redacted, "cancelled": cancelled, "deleted": deleted}
