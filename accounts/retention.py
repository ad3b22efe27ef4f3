"""Retention of what accounts keeps for a while only: idempotency records and login logs."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from helpdesk.models import IdempotencyRecord


def idempotency_purge(*, now: dt.datetime | None = None) -> int:
    """Delete idempotency records older than IDEMPOTENCY_RETENTION_HOURS (a retry after that
    runs as a new request)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)
    return IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]


def login_log_purge(*, now: dt.datetime | None = None) -> int:
    """Delete login logs (django-axes) older than LOGIN_LOG_RETENTION_DAYS, and failed-attempt
    counters whose cool-off ended long ago (a lockout still running is kept)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.LOGIN_LOG_RETENTION_DAYS)
    removed = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    removed += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    removed += AccessAttempt.objects.filter(attempt_time__lt=now - settings.AXES_COOLOFF_TIME - dt.timedelta(days=1)).delete()[0]
    return removed
