"""Secrets at rest: a sent OTP leaves no plaintext in the outbox; the admin shows no OTP, token
or link."""

from __future__ import annotations

import pytest
from django.test import Client

from notifications import outbox
from notifications.models import OutboxMessage
from tests.bookings.factories import BeneficiaryFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_sent_otp_is_redacted_in_the_outbox(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    BeneficiaryFactory()
    client = Client(REMOTE_ADDR="203.0.113.20")
    assert client.post("/api/bookings/citizen/otp/", {"mobile": "9876543210"},
                       content_type="application/json").status_code == 200
    message = OutboxMessage.objects.get(idempotency_key__startswith="otp:")
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.body.startswith("****** is your OTP") and not message.redacted_body
    assert not any(ch.isdigit() for ch in message.body.split(" is your OTP")[0])


def test_a_pending_otp_is_kept_for_sending_but_never_shown(settings):
    admin_user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    message = outbox.outbox_enqueue(channel="sms", recipient="9876543210", body="123456 is your OTP",
                                    redacted_body="****** is your OTP", idempotency_key="otp:test",
                                    deliver_on_commit=False)
    link = outbox.outbox_enqueue(channel="sms", recipient="9876543211", idempotency_key="ack:test",
                                 body="Escalation K7M4: acknowledge http://x.example/ack/abc.def/")
    client = Client()
    client.force_login(admin_user)
    for url in ("/admin/notifications/outboxmessage/", f"/admin/notifications/outboxmessage/{message.pk}/change/",
                f"/admin/notifications/outboxmessage/{link.pk}/change/"):
        page = client.get(url).content.decode()
        assert "123456" not in page and "/ack/abc.def/" not in page, url
    assert "****** is your OTP" in client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/").content.decode()
    message.refresh_from_db()
    assert message.body == "123456 is your OTP"  # still what the gateway must get


def test_a_failed_otp_is_redacted_too(settings, monkeypatch):
    from notifications import channels

    class Down:
        def send(self, *, to, text):
            raise channels.DeliveryError("gateway down")

    monkeypatch.setattr(channels, "sms_backend", lambda: Down())
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 1)
    message = outbox.outbox_enqueue(channel="sms", recipient="9876543210", body="654321 is your OTP",
                                    redacted_body="****** is your OTP", idempotency_key="otp:fail",
                                    deliver_on_commit=False)
    assert outbox.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and message.body == "****** is your OTP"


def test_the_webhook_secret_is_write_only_in_the_admin():
    from escalation.models import VendorEndpoint
    from tests.factories import VendorFactory

    admin_user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    endpoint = VendorEndpoint.objects.create(vendor=VendorFactory(), webhook_url="https://vendor.example/hook",
                                             secret="s3cret-signing-key")
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/admin/escalation/vendorendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200 and "s3cret-signing-key" not in page.content.decode()
