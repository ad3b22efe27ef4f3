"""Rotation overrides (who covers for whom, when), phone calls placed by the outbox, and the
record of "test this ladder" runs. Imported by escalation.models; no logic here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RotationOverride(models.Model):
    """`user` is on call from `starts_at` to `ends_at`, replacing whoever the rotation says is on
    call then ("Neha covers for Arjun on Friday night"). A swap is two overrides. Overrides of one
    rotation never overlap (checked by rotation_override_create)."""

    rotation = models.ForeignKey("escalation.OnCallRotation", on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rotation", "starts_at"]
        constraints = [models.CheckConstraint(name="override_interval_valid", condition=Q(ends_at__gt=F("starts_at")))]
        indexes = [models.Index(fields=["rotation", "ends_at"], name="override_rotation_end")]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.rotation}: {self.user} {start:%Y-%m-%d %H:%M}-{end:%Y-%m-%d %H:%M}"


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

    message = models.OneToOneField("escalation.OutboxMessage", on_delete=models.CASCADE, related_name="call")
    notice = models.ForeignKey("escalation.EscalationNotice", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="calls")
    provider_call_id = models.CharField(max_length=100, unique=True)
    to = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    digits = models.CharField(max_length=10, blank=True)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(name="voicecall_status_valid", condition=Q(status__in=[
                "requested", "acknowledged", "answered", "no_answer", "busy", "failed"])),
            models.CheckConstraint(name="voicecall_finished_has_time",
                                   condition=Q(status="requested") | Q(finished_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"call {self.provider_call_id} to {self.to}: {self.status}"


class LadderTestRun(models.Model):
    """A "test this ladder" run: marked TEST messages sent through the outbox to each level's
    people now. Not an escalation: no record, no notice, no ticket."""

    ladder = models.ForeignKey("escalation.Ladder", on_delete=models.CASCADE, related_name="test_runs")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    started_at = models.DateTimeField()
    sent = models.JSONField(default=list, help_text=_("[{level, vendor, user, target, channel, message_id}]"))
    unreachable = models.JSONField(default=list, help_text=_("Levels or targets that reached nobody."))

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.ladder} test {self.started_at:%Y-%m-%d %H:%M}"
