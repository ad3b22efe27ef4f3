from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AgentNotification(models.Model):
    """Something a staff member should look at: shown in the page (live, with a count) and as a
    browser notification. One row per person and cause (unique per event)."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        MENTIONED = "mentioned", _("You were mentioned")
        CITIZEN_REPLIED = "citizen_replied", _("The citizen replied")
        BREACH_SOON = "breach_soon", _("Will breach within 15 minutes")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("tickets.TicketEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "kind", "event"], name="notification_once_per_event")]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
                   models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.ticket_id}"


class Call(models.Model):
    """A phone call reported by the desk's telephony provider (generic CTI webhook)."""

    class State(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        ENDED = "ended", _("Ended")

    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")

    call_id = models.CharField(max_length=100, unique=True, help_text=_("The provider's call id"))
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.IN)
    from_number = models.CharField(max_length=32)
    to_number = models.CharField(max_length=32, blank=True)
    caller_mobile = models.CharField(max_length=10, blank=True, db_index=True,
                                     help_text=_("The caller's 10-digit mobile, when the number is one"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.RINGING)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="calls")
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    hangup_cause = models.CharField(max_length=20, blank=True)
    missed = models.BooleanField(default=False)
    callback_cleared_at = models.DateTimeField(null=True, blank=True)
    callback_cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="calls")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["missed", "callback_cleared_at"], name="call_callbacks",
                                condition=Q(missed=True, callback_cleared_at__isnull=True))]
        constraints = [models.CheckConstraint(name="call_state_valid",
                                              condition=Q(state__in=["ringing", "answered", "ended"]))]

    def __str__(self) -> str:
        return self.call_id

    @property
    def duration_seconds(self) -> int | None:
        """Talk time: answered to hung up (None for a call never answered or still going)."""
        if self.answered_at and self.ended_at:
            return max(0, int((self.ended_at - self.answered_at).total_seconds()))
        return None

    @property
    def masked_number(self) -> str:
        return f"******{self.caller_mobile[-4:]}" if self.caller_mobile else "*" * max(0, len(self.from_number) - 4) + self.from_number[-4:]
