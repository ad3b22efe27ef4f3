"""Rotation overrides (who covers for whom, when) and the
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
