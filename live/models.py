"""Components of the portal and their status, incidents with public updates, the update cadence,
and suspected incidents proposed by the spike detector (DOMAIN.md §7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import District


def _hindi() -> bool:
    return (get_language() or "en").startswith("hi")


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED = "degraded", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")


# Only these count as downtime in the uptime history (degraded is not an outage).
OUTAGE_STATUSES = (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAJOR_OUTAGE)
# Worst first: a page showing one status for several scopes shows the worst.
STATUS_RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.DEGRADED: 1,
    ComponentStatus.PARTIAL_OUTAGE: 2,
    ComponentStatus.MAJOR_OUTAGE: 3,
}


class Component(models.Model):
    """A part of the portal citizens notice: registration, OTP/SMS, slot booking, ..."""

    code = models.SlugField(max_length=64, unique=True)
    name_en = models.CharField(max_length=120)
    name_hi = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_hi if _hindi() else self.name_en


class ComponentState(models.Model):
    """The current status of a component, statewide (district NULL) or in one district.

    A missing district row means "as statewide"."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="states")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL)
    incident = models.ForeignKey("Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["component"], condition=Q(district__isnull=True),
                                    name="component_state_one_statewide"),
            models.UniqueConstraint(fields=["component", "district"], condition=Q(district__isnull=False),
                                    name="component_state_one_per_district"),
            models.CheckConstraint(name="component_state_status_valid",
                                   condition=Q(status__in=[s.value for s in ComponentStatus])),
        ]

    def __str__(self) -> str:
        return f"{self.component_id}@{self.district_id or 'state'}: {self.status}"


class ComponentStatusChange(models.Model):
    """Append-only history of component statuses: the source of the 90-day uptime bars."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="changes")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    from_status = models.CharField(max_length=20, choices=ComponentStatus.choices)
    to_status = models.CharField(max_length=20, choices=ComponentStatus.choices)
    incident = models.ForeignKey("Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["component", "district", "at"], name="component_change_scope_at")]

    def __str__(self) -> str:
        return f"{self.component_id}@{self.district_id or 'state'} {self.from_status}->{self.to_status}"


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical (major outage)")


# The lifecycle, as data. Moving back (monitoring -> identified) is allowed: a fix can fail.
INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    IncidentStatus.INVESTIGATING: frozenset({IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING,
                                             IncidentStatus.RESOLVED}),
    IncidentStatus.IDENTIFIED: frozenset({IncidentStatus.INVESTIGATING, IncidentStatus.MONITORING,
                                          IncidentStatus.RESOLVED}),
    IncidentStatus.MONITORING: frozenset({IncidentStatus.IDENTIFIED, IncidentStatus.RESOLVED}),
    IncidentStatus.RESOLVED: frozenset(),
}


class Incident(models.Model):
    """An outage or degradation of the portal. Tickets link to it (Ticket.incident).

    No districts means statewide. A public incident has an update cadence: the next public
    update is due at `next_update_due_at` (indexed; the cadence sweep reads it)."""

    title = models.CharField(max_length=200)
    title_hi = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MAJOR)
    is_public = models.BooleanField(default=True)
    components = models.ManyToManyField(Component, blank=True, related_name="incidents")
    districts = models.ManyToManyField(District, blank=True, related_name="incidents")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    cadence_minutes = models.PositiveIntegerField(default=60)
    last_public_update_at = models.DateTimeField(null=True, blank=True)
    next_update_due_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["next_update_due_at"], name="incident_update_due",
                         condition=~Q(status="resolved")),
            models.Index(fields=["status", "created_at"], name="incident_status_created"),
        ]
        constraints = [
            models.CheckConstraint(name="incident_status_valid",
                                   condition=Q(status__in=[s.value for s in IncidentStatus])),
            models.CheckConstraint(name="incident_severity_valid",
                                   condition=Q(severity__in=[s.value for s in Severity])),
            models.CheckConstraint(name="incident_resolved_has_time",
                                   condition=~Q(status="resolved") | Q(resolved_at__isnull=False)),
            models.CheckConstraint(name="incident_cadence_positive", condition=Q(cadence_minutes__gte=5)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return self.title_hi if (_hindi() and self.title_hi) else self.title

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED


class IncidentUpdate(models.Model):
    """A public update (English and Hindi, shown on the status page and sent to the requesters
    of the linked tickets) or an internal note (staff only). Append-only."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    is_public = models.BooleanField()
    status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    body_en = models.TextField(max_length=2000)
    body_hi = models.TextField(max_length=2000, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["incident", "is_public", "created_at"], name="incident_update_public")]
        constraints = [
            models.CheckConstraint(name="incident_update_public_bilingual",
                                   condition=Q(is_public=False) | (~Q(body_en="") & ~Q(body_hi=""))),
            models.CheckConstraint(name="incident_update_has_text", condition=~Q(body_en="")),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.body_en[:40]}"

    @property
    def body(self) -> str:
        return self.body_hi if (_hindi() and self.body_hi) else self.body_en


class CadenceAlert(models.Model):
    """One warning or missed slot of an incident's update cadence. Unique per (incident, kind,
    due time): however often the sweep runs, each slot notifies once."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Update due soon")
        MISSED = "missed", _("Update overdue")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="cadence_alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "kind", "due_at"], name="cadence_alert_once")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class Suspicion(models.Model):
    """A suspected incident: a burst of complaints of one category in one district (or
    statewide, district NULL). At most one open suspicion per (category, scope)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting a decision")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    category = models.ForeignKey("tickets.Category", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    window_count = models.PositiveIntegerField()
    baseline = models.FloatField(help_text=_("Usual number of complaints per window"))
    tickets = models.ManyToManyField("tickets.Ticket", related_name="+")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["category"], condition=Q(status="open", district__isnull=True),
                                    name="suspicion_one_open_statewide"),
            models.UniqueConstraint(fields=["category", "district"],
                                    condition=Q(status="open", district__isnull=False),
                                    name="suspicion_one_open_per_district"),
            models.CheckConstraint(name="suspicion_status_valid",
                                   condition=Q(status__in=["open", "confirmed", "dismissed"])),
            models.CheckConstraint(name="suspicion_decided_has_time",
                                   condition=Q(status="open") | Q(decided_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}@{self.district_id or 'state'} x{self.window_count} ({self.status})"
