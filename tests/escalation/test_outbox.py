"""The outbox: one row per intent, backoff and retry, give up then the same person's next
channel, webhook JSON signed with HMAC, cancellation of obsolete escalation notices, reclaiming
sends whose worker died."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import httpx
import pytest
import time_machine
from django.utils import timezone

from escalation.models import VendorEndpoint
from notifications import outbox
from notifications.channels import DeliveryError
from notifications.models import OutboxMessage
from tests.escalation.conftest import T0

pytestmark = pytest.mark.django_db


class FailingSms:
    calls = 0

    def send(self, *, to, text):
        FailingSms.calls += 1
        raise DeliveryError("gateway down")


def test_enqueue_is_idempotent_and_keeps_the_signature(django_capture_on_commit_callbacks, sms_outbox):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.outbox_enqueue(channel="sms", recipient="9876543210", body="hello", idempotency_key="k1")
        again = outbox.outbox_enqueue(channel="sms", recipient="9876543210", body="hello", idempotency_key="k1")
    assert first.pk == again.pk and OutboxMessage.objects.count() == 1
    assert list(sms_outbox) == [("9876543210", "hello")]
    assert OutboxMessage.objects.get().status == "sent"
    with pytest.raises(ValueError):
        outbox.outbox_enqueue(channel="pigeon", recipient="x", body="y", idempotency_key="k2")


def test_failures_back_off_then_fail_over_to_the_next_channel(monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    monkeypatch.setattr("notifications.channels.sms_backend", lambda: FailingSms())
    FailingSms.calls = 0
    with time_machine.travel(T0, tick=False) as tm:
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.outbox_enqueue(channel="sms", recipient="9876543210", body="Escalation L1",
                                            subject="Escalation", idempotency_key="esc:1:1:sms",
                                            fallback=[["email", "eng@example.org"]])
        message.refresh_from_db()
        assert message.status == "pending" and message.attempts == 1
        assert message.next_attempt_at == T0 + dt.timedelta(seconds=30)
        # Not due yet: the retry job leaves it alone.
        assert outbox.outbox_retry() == {"reclaimed": 0, "queued": 0}
        delays = []
        for _attempt in range(4):
            message.refresh_from_db()
            delays.append((message.next_attempt_at - timezone.now()).total_seconds())
            tm.move_to(message.next_attempt_at)
            with django_capture_on_commit_callbacks(execute=True):
                outbox.outbox_retry()
        assert delays == [30, 60, 120, 240]
        message.refresh_from_db()
        assert message.status == "failed" and message.attempts == 5 and FailingSms.calls == 5
        email = OutboxMessage.objects.get(idempotency_key="esc:1:1:sms>email")
        assert email.status == "sent" and email.channel == "email"
        assert [m.to for m in mailoutbox] == [["eng@example.org"]]


def test_webhook_is_json_signed_and_retried(monkeypatch, people, django_capture_on_commit_callbacks):
    endpoint = VendorEndpoint.objects.create(vendor=people["vendor"], webhook_url="https://vendor.example/hook",
                                             secret="s3cret")
    seen = []
    answers = iter([503, 200])

    def fake_post(url, *, content, headers, timeout):
        seen.append((url, content, headers))
        return httpx.Response(next(answers))

    monkeypatch.setattr("notifications.channels.httpx.post", fake_post)
    payload = {"event": "escalation", "ticket": "K7M4QX2P", "level": 1}
    with time_machine.travel(T0, tick=False) as tm:
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.outbox_enqueue(channel="webhook", recipient=endpoint.webhook_url,
                                            body=json.dumps(payload), idempotency_key="esc:9:hook:webhook")
        message.refresh_from_db()
        assert message.status == "pending" and "503" in message.last_error
        tm.move_to(message.next_attempt_at)
        with django_capture_on_commit_callbacks(execute=True):
            outbox.outbox_retry()
    message.refresh_from_db()
    assert message.status == "sent" and len(seen) == 2
    _url, body, headers = seen[-1]
    assert json.loads(body) == payload
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Helpdesk-Signature"] == expected
    assert headers["Idempotency-Key"] == "esc:9:hook:webhook"


def test_a_send_whose_worker_died_is_reclaimed(sms_outbox, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False) as tm:
        message = OutboxMessage.objects.create(idempotency_key="k-stuck", channel="sms", recipient="9876543210",
                                               body="x", status="sending", attempts=1, claimed_at=T0)
        assert outbox.outbox_retry()["reclaimed"] == 0  # still young: a live worker may hold it
        tm.shift(dt.timedelta(minutes=6))
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox.outbox_retry() == {"reclaimed": 1, "queued": 1}
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2 and list(sms_outbox) == [("9876543210", "x")]


def test_deliver_skips_what_is_not_pending():
    message = OutboxMessage.objects.create(idempotency_key="k-done", channel="sms", recipient="9876543210",
                                           body="x", status="cancelled")
    assert outbox.deliver(message.pk) == "skipped"
    assert outbox.deliver(10**9) == "skipped"
