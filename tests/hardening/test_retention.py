"""Retention jobs on the beat schedule, with their periods as settings."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from accounts import retention as accounts_retention
from bookings.services import otp_purge
from helpdesk.models import IdempotencyRecord
from live import presence
from notifications import outbox, retention
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_every_retention_job_is_on_the_beat_schedule():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"notifications.tasks.outbox_purge", "accounts.tasks.retention_purge", "bookings.tasks.housekeeping",
            "live.tasks.presence_purge"} <= tasks


def _message(key, *, status="sent", redacted_body=""):
    message = outbox.outbox_enqueue(channel="sms", recipient="9876543210", body=f"{key} 123456",
                                    idempotency_key=key, redacted_body=redacted_body, deliver_on_commit=False)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=status, sent_at=timezone.now() if status == "sent" else None)
    return message


def test_outbox_rows_are_deleted_after_the_retention_period(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start - dt.timedelta(days=31), tick=False):
        old_sent = _message("old-sent")
        old_pending = _message("old-pending", status="pending")
    recent = _message("recent")
    result = retention.outbox_purge(now=start)
    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert result["deleted"] == 1 and old_sent.pk not in remaining
    assert {old_pending.pk, recent.pk} <= remaining  # unsent work is never dropped


def test_an_otp_left_unsent_is_cancelled_and_redacted(settings):
    settings.SECRET_MESSAGE_MAX_AGE_MINUTES = 10
    start = timezone.now()
    with time_machine.travel(start - dt.timedelta(minutes=11), tick=False):
        stale = _message("otp:stale", status="pending", redacted_body="****** is your OTP")
    fresh = _message("otp:fresh", status="pending", redacted_body="****** is your OTP")
    retention.outbox_purge(now=start)
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == "cancelled" and stale.body == "****** is your OTP" and not stale.redacted_body
    assert fresh.status == "pending" and "123456" in fresh.body


def test_idempotency_records_expire(settings):
    settings.IDEMPOTENCY_RETENTION_HOURS = 48
    start = timezone.now()
    with time_machine.travel(start - dt.timedelta(hours=49), tick=False):
        IdempotencyRecord.objects.create(key="old", scope="anon", fingerprint="x" * 64)
    IdempotencyRecord.objects.create(key="new", scope="anon", fingerprint="x" * 64)
    assert accounts_retention.idempotency_purge(now=start) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_otps_and_tokens_expire(settings):
    from bookings.models import CitizenToken, OtpTransaction

    settings.OTP_RETENTION_HOURS = 24
    now = timezone.now()
    OtpTransaction.objects.create(mobile="9876543210", created_at=now - dt.timedelta(days=2),
                                  expires_at=now - dt.timedelta(hours=25), code_hmac="x" * 64)
    OtpTransaction.objects.create(mobile="9876543210", created_at=now, expires_at=now + dt.timedelta(minutes=3),
                                  code_hmac="y" * 64)
    CitizenToken.objects.create(token_hash="a" * 64, mobile="9876543210", created_at=now - dt.timedelta(days=2),
                                expires_at=now - dt.timedelta(hours=25))
    assert otp_purge() == 2
    assert OtpTransaction.objects.count() == 1 and not CitizenToken.objects.exists()


def test_in_process_presence_forgets_expired_viewers():
    backend = presence._MemoryPresence()
    backend._rooms = {"ticket.1": {"a": (0.0, {"user_id": 1, "name": "A"})}, "ticket.2": {}}
    assert backend.purge() == 1 and backend._rooms == {}


def test_login_logs_expire(settings):
    from axes.models import AccessLog

    settings.LOGIN_LOG_RETENTION_DAYS = 90
    now = timezone.now()
    old = AccessLog.objects.create(username="x", ip_address="127.0.0.1", user_agent="t", path_info="/")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=now - dt.timedelta(days=91))
    AccessLog.objects.create(username="y", ip_address="127.0.0.1", user_agent="t", path_info="/")
    assert accounts_retention.login_log_purge(now=now) == 1
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["y"]
