"""The outbox: every message to a person (SMS, email, webhook, phone call) and the calls placed
for voice messages. No logic here: see outbox.py.

The tables keep the names of their first home (`escalation_*`), so the move lost no row. The
foreign keys to `tickets.Ticket` and `escalation.EscalationNotice` are by name (no import): they
say which ticket or escalation notice a message belongs to; this app never follows them (the
escalation-specific questions go through notifications.hooks)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One notification to one recipient on one channel. The idempotency key makes the intent
    exactly-once; delivery at the provider edge is at-least-once."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")
        VOICE = "voice", _("Phone call")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    idempotency_key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=300)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # What `body` becomes once the message is sent, cancelled or given up (the body holds a
    # secret, e.g. an OTP); empty: the body is kept as it is.
    redacted_body = models.TextField(blank=True, default="")
    language = models.CharField(max_length=8, default="en")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox")
    notice = models.ForeignKey("escalation.EscalationNotice", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    # The same person's other addresses, tried in order if this channel fails for good.
    fallback = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "escalation_outboxmessage"  # the table of its first home, kept with its rows
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_pending_due",
                         condition=models.Q(status="pending")),
            models.Index(fields=["claimed_at"], name="outbox_sending", condition=models.Q(status="sending")),
        ]
        constraints = [
            models.CheckConstraint(name="outbox_status_valid",
                                   condition=Q(status__in=["pending", "sending", "sent", "failed", "cancelled"])),
            models.CheckConstraint(name="outbox_sent_has_time", condition=~Q(status="sent") | Q(sent_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.status}"


class VoiceCall(models.Model):
    """One call the telephony gateway was asked to place for an outbox message. The gateway's
    signed callback moves it from `requested` to a final status exactly once."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Calling")
        ACKNOWLEDGED = "acknowledged", _("Answered, pressed 1")
        ANSWERED = "answered", _("Answered, not acknowledged")
        NO_ANSWER = "no_answer", _("Not answered")
        BUSY = "busy", _("Busy")
        FAILED = "failed", _("Failed")

    message = models.OneToOneField(OutboxMessage, on_delete=models.CASCADE, related_name="call")
    notice = models.ForeignKey("escalation.EscalationNotice", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="calls")
    provider_call_id = models.CharField(max_length=100, unique=True)
    to = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    digits = models.CharField(max_length=10, blank=True)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "escalation_voicecall"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(name="voicecall_status_valid", condition=Q(status__in=[
                "requested", "acknowledged", "answered", "no_answer", "busy", "failed"])),
            models.CheckConstraint(name="voicecall_finished_has_time",
                                   condition=Q(status="requested") | Q(finished_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"call {self.provider_call_id} to {self.to}: {self.status}"
