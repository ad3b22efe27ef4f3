"""SLA configuration (calendars, policies, ladders, people), per-ticket clocks and the escalation
ledger. No logic here: see services.py, engine.py. The outbox is notifications.models."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import District, Vendor
from tickets.models import Category, Priority, RequesterKind


# --- Configuration (supervisors edit these in the admin) ---------------------------------------
class Calendar(models.Model):
    """Time zone + weekly open windows + holidays. 24x7 (always open) is the default."""

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="Asia/Kolkata")
    always_open = models.BooleanField(default=True, help_text=_("24x7: every minute counts."))

    def __str__(self) -> str:
        return self.name


class CalendarWindow(models.Model):
    class Weekday(models.IntegerChoices):
        MON = 0, _("Monday")
        TUE = 1, _("Tuesday")
        WED = 2, _("Wednesday")
        THU = 3, _("Thursday")
        FRI = 4, _("Friday")
        SAT = 5, _("Saturday")
        SUN = 6, _("Sunday")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text=_("Not after 'opens' means the window runs past midnight."))

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [models.CheckConstraint(name="window_weekday_valid", condition=Q(weekday__lte=6))]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class TargetKind(models.TextChoices):
    ON_CALL = "on_call", _("Vendor engineer on call now")
    RESPONSIBLE_OFFICER = "responsible_officer", _("Vendor responsible officer")
    VENDOR_HEAD = "vendor_head", _("Vendor head")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    WEBHOOK = "webhook", _("Vendor webhook")


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    VENDOR_ACK = "vendor_ack", _("Vendor acknowledgement")
    VENDOR_RESTORE = "vendor_restore", _("Vendor restore")
    ETA = "eta", _("Vendor progress / ETA")


class Ladder(models.Model):
    """Escalation levels, each at an offset from the clock's due time; optional repeat."""

    name = models.CharField(max_length=100, unique=True)
    repeat_every_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Run the whole ladder again after this many minutes (empty: no repeat)."))
    max_loops = models.PositiveSmallIntegerField(default=1, help_text=_("How many times the ladder runs at most."))

    class Meta:
        constraints = [models.CheckConstraint(name="ladder_loops_positive", condition=Q(max_loops__gte=1))]

    def __str__(self) -> str:
        return self.name


class LadderLevel(models.Model):
    ladder = models.ForeignKey(Ladder, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField()
    offset_minutes = models.IntegerField(help_text=_("Minutes after the due time (negative: before it)."))
    targets = models.JSONField(default=list, help_text=_("Who: on_call, responsible_officer, vendor_head, department_officer, webhook."))
    channels = models.JSONField(default=list, help_text=_("How: sms, email, voice (each is sent; a failed one tries the person's next address)."))
    requires_ack = models.BooleanField(default=True)

    class Meta:
        ordering = ["ladder", "level"]
        constraints = [models.UniqueConstraint(fields=["ladder", "level"], name="ladder_level_unique")]

    def __str__(self) -> str:
        return f"{self.ladder} L{self.level} @{self.offset_minutes:+d}m"


class Policy(models.Model):
    """SLA targets, chosen by conditions; the first active match by position wins, then the fallback."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    is_fallback = models.BooleanField(default=False)
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE)
    requester_kind = models.CharField(max_length=20, choices=RequesterKind.choices, blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    vendor_ack_minutes = models.PositiveIntegerField(default=15)
    vendor_restore_minutes = models.PositiveIntegerField(default=240)
    eta_update_minutes = models.PositiveIntegerField(
        default=30, help_text=_("After acknowledging, progress with an ETA is due within this time."))
    warn_percent = models.PositiveSmallIntegerField(default=75)
    warn_before_minutes = models.PositiveIntegerField(default=15)
    ladder = models.ForeignKey(Ladder, null=True, blank=True, on_delete=models.PROTECT)
    escalate_clocks = models.JSONField(
        default=list, blank=True,
        help_text=_("Clocks whose due time drives the ladder (default: resolution, vendor_ack, vendor_restore, eta)."))
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.PROTECT,
                               help_text=_("Vendor escalated to before the ticket is handed to one."))
    notify_citizen_on_ack = models.BooleanField(
        default=False, help_text=_("Send the citizen an SMS when the vendor acknowledges."))

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_fallback"], condition=Q(is_fallback=True), name="one_fallback_policy"),
            models.CheckConstraint(name="policy_warn_percent_valid", condition=Q(warn_percent__gte=1, warn_percent__lte=99)),
            models.CheckConstraint(name="policy_targets_positive",
                                   condition=Q(first_response_minutes__gte=1, resolution_minutes__gte=1,
                                               vendor_ack_minutes__gte=1, vendor_restore_minutes__gte=1,
                                               eta_update_minutes__gte=1)),
        ]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A named person on a ladder: the vendor's responsible officer and head, a department officer."""

    class Designation(models.TextChoices):
        RESPONSIBLE_OFFICER = "responsible_officer", _("Vendor responsible officer")
        VENDOR_HEAD = "vendor_head", _("Vendor head")
        DEPARTMENT_OFFICER = "department_officer", _("Department officer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="escalation_roles")
    designation = models.CharField(max_length=24, choices=Designation.choices)
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE,
                                 help_text=_("Department officers: empty means statewide."))
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["designation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["user", "designation", "vendor"], name="contact_unique"),
            models.CheckConstraint(name="vendor_designation_has_vendor",
                                   condition=Q(designation="department_officer") | Q(vendor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_designation_display()}: {self.user}"


class VendorEndpoint(models.Model):
    """A vendor's outgoing webhook (JSON, HMAC-SHA256 signed with `secret`)."""

    vendor = models.OneToOneField(Vendor, on_delete=models.CASCADE, related_name="endpoint")
    webhook_url = models.URLField()
    secret = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.vendor}: {self.webhook_url}"


class OnCallRotation(models.Model):
    """Members take shifts of `shift_hours` in order, starting at `starts_at`, round and round."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=100)
    starts_at = models.DateTimeField()
    shift_hours = models.PositiveSmallIntegerField(default=12)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.CheckConstraint(name="rotation_shift_positive", condition=Q(shift_hours__gte=1))]

    def __str__(self) -> str:
        return self.name


class OnCallMember(models.Model):
    rotation = models.ForeignKey(OnCallRotation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rotation", "position"]
        constraints = [models.UniqueConstraint(fields=["rotation", "position"], name="rotation_position_unique")]

    def __str__(self) -> str:
        return f"{self.rotation} #{self.position}: {self.user}"


# --- Per-ticket state ---------------------------------------------------------------------------
class TicketSLA(models.Model):
    """One row per ticket: the policy snapshot and the next instant the engine must look at."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="sla")
    policy = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.SET_NULL)
    snapshot = models.JSONField(help_text=_("The policy as it was when the clocks started."))
    next_action_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["next_action_at"], name="sla_next_action",
                                condition=Q(next_action_at__isnull=False))]

    def __str__(self) -> str:
        return f"SLA {self.ticket_id}"


class Clock(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    sla = models.ForeignKey(TicketSLA, on_delete=models.CASCADE, related_name="clocks")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    cycle = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    goal_minutes = models.PositiveIntegerField()
    business = models.BooleanField(default=True, help_text=_("Counts calendar time (else wall-clock)."))
    started_at = models.DateTimeField()
    # Time accumulated before the current running segment began (at `resumed_at`).
    elapsed_business = models.DurationField(default=dt.timedelta(0))
    elapsed_wall = models.DurationField(default=dt.timedelta(0))
    resumed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=200, blank=True)
    warnings_done = models.PositiveSmallIntegerField(default=0)
    breached_at = models.DateTimeField(null=True, blank=True)
    ladder_done = models.PositiveSmallIntegerField(default=0, help_text=_("Ladder steps fired so far."))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    eta_at = models.DateTimeField(null=True, blank=True, help_text=_("ETA clocks: the promised time, once given."))
    eta_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", help_text=_("Who promised the ETA."))
    # Whom the ETA counts for in the accountability report, whoever typed it in.
    eta_vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    eta_for = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text=_("The person escalated to."))
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "cycle"], name="clock_kind_cycle_unique"),
            models.UniqueConstraint(fields=["ticket", "kind"], condition=~Q(state="stopped"),
                                    name="one_live_clock_per_kind"),
            models.CheckConstraint(name="paused_has_reason", condition=~Q(state="paused") | ~Q(pause_reason="")),
            models.CheckConstraint(name="running_has_due",
                                   condition=~Q(state="running") | Q(due_at__isnull=False, resumed_at__isnull=False)),
            models.CheckConstraint(name="clock_state_valid", condition=Q(state__in=["running", "paused", "stopped"])),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}#{self.cycle} {self.state}"


class EscalationRecord(models.Model):
    """One ladder step that fired. The unique key makes each step happen exactly once."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="escalations")
    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="records")
    level = models.PositiveSmallIntegerField()
    loop = models.PositiveSmallIntegerField(default=1)
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(help_text=_("When the step was due (for the lag)."))
    fired_at = models.DateTimeField()
    ack_target_minutes = models.PositiveIntegerField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["fired_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "clock", "level", "loop"], name="escalation_step_once"),
        ]
        indexes = [models.Index(fields=["fired_at"], name="escalation_fired")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock_id} L{self.level} loop {self.loop}"


class EscalationNotice(models.Model):
    """To whom one step went, and whether (when, how) that person acknowledged."""

    class Via(models.TextChoices):
        APP = "app", _("In the app")
        LINK = "link", _("Signed link")
        API = "api", _("API")
        SMS = "sms", _("SMS reply")
        VOICE = "voice", _("Phone call")
        BEHALF = "behalf", _("By an officer on their behalf")

    record = models.ForeignKey(EscalationRecord, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="escalation_notices")
    target = models.CharField(max_length=24, choices=TargetKind.choices)
    channels = models.JSONField(default=list)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_seconds = models.PositiveIntegerField(null=True, blank=True)
    ack_via = models.CharField(max_length=8, choices=Via.choices, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", help_text=_("Set when an officer acknowledged for them."))
    # A hand-over to a colleague: this person's link becomes read-only, the colleague gets a notice.
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "user"], name="notice_once_per_person"),
            models.CheckConstraint(name="ack_has_via", condition=Q(acknowledged_at__isnull=True) | ~Q(ack_via="")),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} -> {self.user_id}"


# Overrides and ladder test runs live in their own module (kept under 400 lines).
from .heartbeat_models import Heartbeat, HeartbeatAlert  # noqa: E402,F401  (models of this app)
from .oncall_models import LadderTestRun, RotationOverride  # noqa: E402,F401
