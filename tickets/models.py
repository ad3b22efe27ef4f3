from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import District, Vendor


class RequesterKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    DISTRICT = "district_official", _("District official")
    AGENT = "agent", _("Agent, on behalf of a caller")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web")
    API = "api", _("API")
    SMS = "sms", _("SMS")


class Priority(models.TextChoices):
    P1 = "P1", _("P1 · critical")
    P2 = "P2", _("P2 · high")
    P3 = "P3", _("P3 · normal")
    P4 = "P4", _("P4 · low")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_CITIZEN = "awaiting_citizen", _("Awaiting citizen")
    AWAITING_VENDOR = "awaiting_vendor", _("Awaiting vendor")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another ticket")


S = TicketStatus
_WORKING = {S.IN_PROGRESS, S.AWAITING_CITIZEN, S.AWAITING_VENDOR, S.RESOLVED, S.MERGED}
# The allowed moves, as data. Anything else is InvalidTransition (HTTP 409).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED} | _WORKING),
    S.ACKNOWLEDGED: frozenset(_WORKING),
    S.IN_PROGRESS: frozenset(_WORKING - {S.IN_PROGRESS}),
    S.AWAITING_CITIZEN: frozenset(_WORKING - {S.AWAITING_CITIZEN}),
    S.AWAITING_VENDOR: frozenset(_WORKING - {S.AWAITING_VENDOR}),
    S.REOPENED: frozenset({S.ACKNOWLEDGED} | _WORKING),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset(),
    S.MERGED: frozenset(),
}
OPEN_STATUSES = frozenset(
    {S.NEW, S.ACKNOWLEDGED, S.IN_PROGRESS, S.AWAITING_CITIZEN, S.AWAITING_VENDOR, S.REOPENED}
)


class Category(models.Model):
    """What went wrong. Data, not code: supervisors edit it in the admin."""

    code = models.SlugField(max_length=64, unique=True)
    name_en = models.CharField(max_length=120)
    name_hi = models.CharField(max_length=120)
    default_priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_hi if (get_language() or "en").startswith("hi") else self.name_en


class Ticket(models.Model):
    number = models.CharField(max_length=12, unique=True, help_text=_("Human ticket number, e.g. K7M4QX2P"))
    requester_kind = models.CharField(max_length=20, choices=RequesterKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="tickets")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets")
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    subject = models.CharField(max_length=200, blank=True)
    description = models.TextField(max_length=5000)
    requester_name = models.CharField(max_length=120, blank=True)
    requester_mobile = models.CharField(max_length=10, blank=True, db_index=True)
    requester_language = models.CharField(max_length=8, default="en")
    registration_reference = models.CharField(max_length=14, blank=True, db_index=True)
    incident = models.ForeignKey("live.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets",
        help_text=_("Set when the ticket is handed to the vendor; vendor staff see only these."),
    )
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_tickets")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_tickets"
    )
    # sha256 of the secret in the citizen's status link; the secret itself is only ever sent by SMS.
    secret_hash = models.CharField(max_length=64, blank=True)
    chased_count = models.PositiveIntegerField(default=0)
    reopened_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, help_text=_("Bumped on every change; optimistic concurrency."))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "priority"], name="ticket_status_priority"),
            models.Index(fields=["district", "status"], name="ticket_district_status"),
            models.Index(fields=["district", "created_at"], name="ticket_district_created"),
            models.Index(fields=["requester_mobile", "category"], name="ticket_mobile_category",
                         condition=~Q(requester_mobile="")),
            # The open queue in its order (priority, age): the list's default views read a page
            # of it without sorting every open ticket.
            models.Index(fields=["priority", "created_at", "id"], name="ticket_open_queue",
                         condition=Q(status__in=sorted(OPEN_STATUSES))),
            models.Index(fields=["updated_at"], name="ticket_updated"),
        ]
        constraints = [
            models.CheckConstraint(name="ticket_priority_valid", condition=Q(priority__in=["P1", "P2", "P3", "P4"])),
            models.CheckConstraint(name="ticket_status_valid", condition=Q(status__in=[s.value for s in TicketStatus])),
            models.CheckConstraint(
                name="ticket_reference_14_digits",
                condition=Q(registration_reference="") | Q(registration_reference__regex=r"^[0-9]{14}$"),
            ),
            models.CheckConstraint(
                name="ticket_mobile_10_digits",
                condition=Q(requester_mobile="") | Q(requester_mobile__regex=r"^[6-9][0-9]{9}$"),
            ),
            models.CheckConstraint(
                name="ticket_merged_has_target",
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.number[:4]}-{self.number[4:]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def masked_mobile(self) -> str:
        return f"******{self.requester_mobile[-4:]}" if self.requester_mobile else ""


class Comment(models.Model):
    class AuthorKind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        STAFF = "staff", _("Staff")
        SYSTEM = "system", _("System")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    is_public = models.BooleanField(default=False)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_created")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


class TicketEvent(models.Model):
    """Append-only audit trail, timeline and source of live events. Never updated or deleted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Who acted when there is no user row: "citizen", "system", "sms", "vendor-link".
    actor_label = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=40, db_index=True)
    from_value = models.CharField(max_length=100, blank=True)
    to_value = models.CharField(max_length=100, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "id"], name="event_ticket_id")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.from_value}->{self.to_value}"


class TeamView(models.Model):
    """A saved view of the ticket list that a supervisor defined for the desk: a built-in view
    plus stored filters and sort, validated by the list's own parser when saved and when used."""

    name_en = models.CharField(max_length=80)
    name_hi = models.CharField(max_length=80, blank=True)
    base_view = models.CharField(max_length=40, default="open")
    filters = models.JSONField(default=dict, blank=True, help_text=_("List parameters, e.g. {\"priority\": [\"P1\"]}"))
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["name_en"], condition=Q(is_active=True),
                                               name="teamview_active_name_unique")]

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_hi if (get_language() or "en").startswith("hi") and self.name_hi else self.name_en


class InboundSms(models.Model):
    """One SMS received from the gateway, keyed by the gateway's message id: a gateway retry of
    the same message finds this row and changes nothing (tickets.sms.sms_receive)."""

    gateway_id = models.CharField(max_length=100, unique=True)
    sender = models.CharField(max_length=15)
    action = models.CharField(max_length=30, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.gateway_id} {self.action}"


class Rating(models.Model):
    """The citizen's rating (1-5) of a resolution: one per resolution (a reopened and resolved
    again ticket can be rated again); the first answer stands."""

    class Via(models.TextChoices):
        SMS = "sms", _("SMS reply")
        LINK = "link", _("Status link")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ratings")
    resolution = models.PositiveIntegerField(help_text=_("The ticket's reopen count when it was rated."))
    score = models.PositiveSmallIntegerField()
    via = models.CharField(max_length=8, choices=Via.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "resolution"], name="rating_once_per_resolution"),
            models.CheckConstraint(name="rating_score_1_to_5", condition=Q(score__gte=1, score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"


# The agent's tools (tags, canned responses, attachments) live in their own module.
from .workspace_models import Attachment, CannedResponse, Tag, TicketTag  # noqa: E402, F401

