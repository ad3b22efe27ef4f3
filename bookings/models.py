"""Registrations and bookings: a replica of the portal's centres, sessions, beneficiaries and
appointments (DOMAIN.md §8), plus what the helpdesk adds: OTP logins, citizen tokens, the agents'
lookup audit log, import runs and the change feed for reconciliation with the portal.

Every invariant is a database constraint: reference ids are 14 ASCII digits stored as text;
booked seats never exceed capacity (CheckConstraint; seats are taken by a conditional UPDATE in
bookings.services); one active (booked) appointment per beneficiary and dose (partial unique index).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import District

REFERENCE_REGEX = r"^[0-9]{14}$"
MOBILE_REGEX = r"^[6-9][0-9]{9}$"


class Vaccine(models.TextChoices):
    COVISHIELD = "COVISHIELD", "COVISHIELD"
    COVAXIN = "COVAXIN", "COVAXIN"


class FeeType(models.TextChoices):
    FREE = "Free", _("Free")
    PAID = "Paid", _("Paid")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    HELPDESK = "helpdesk", _("Helpdesk")
    ONSITE = "onsite", _("At the centre")


class Centre(models.Model):
    center_id = models.PositiveIntegerField(unique=True, help_text=_("CoWIN's integer centre id"))
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="centres")
    block_name = models.CharField(max_length=100, blank=True)
    pincode = models.CharField(max_length=6)
    lat = models.FloatField(default=0)
    long = models.FloatField(default=0)
    open_from = models.TimeField(default="09:00")
    open_to = models.TimeField(default="17:00")
    fee_type = models.CharField(max_length=4, choices=FeeType.choices, default=FeeType.FREE)

    class Meta:
        ordering = ["center_id"]
        indexes = [models.Index(fields=["pincode"], name="centre_pincode"),
                   models.Index(fields=["district"], name="centre_district")]
        constraints = [
            models.CheckConstraint(name="centre_pincode_49xxxx", condition=Q(pincode__regex=r"^49[0-9]{4}$")),
            models.CheckConstraint(name="centre_open_before_close", condition=Q(open_from__lt=F("open_to"))),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.center_id})"


class Session(models.Model):
    session_id = models.UUIDField(unique=True, default=uuid.uuid4)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField()
    vaccine = models.CharField(max_length=12, choices=Vaccine.choices)
    min_age_limit = models.PositiveSmallIntegerField(choices=[(18, "18+"), (45, "45+")])
    max_age_limit = models.PositiveSmallIntegerField(null=True, blank=True)
    capacity_dose1 = models.PositiveIntegerField(default=0)
    capacity_dose2 = models.PositiveIntegerField(default=0)
    booked_dose1 = models.PositiveIntegerField(default=0)
    booked_dose2 = models.PositiveIntegerField(default=0)
    slots = models.JSONField(default=list, help_text=_('e.g. ["09:00AM-11:00AM", "11:00AM-01:00PM"]'))
    published = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["date", "centre_id"]
        indexes = [models.Index(fields=["date", "centre"], name="session_date_centre")]
        constraints = [
            models.CheckConstraint(name="session_dose1_not_overbooked",
                                   condition=Q(booked_dose1__gte=0) & Q(booked_dose1__lte=F("capacity_dose1"))),
            models.CheckConstraint(name="session_dose2_not_overbooked",
                                   condition=Q(booked_dose2__gte=0) & Q(booked_dose2__lte=F("capacity_dose2"))),
            models.CheckConstraint(name="session_min_age_18_or_45", condition=Q(min_age_limit__in=[18, 45])),
            models.CheckConstraint(name="session_max_age_above_min",
                                   condition=Q(max_age_limit__isnull=True) | Q(max_age_limit__gte=F("min_age_limit"))),
            models.CheckConstraint(name="session_vaccine_known", condition=Q(vaccine__in=Vaccine.values)),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.date} {self.vaccine}"

    @property
    def available_dose1(self) -> int:
        return self.capacity_dose1 - self.booked_dose1

    @property
    def available_dose2(self) -> int:
        return self.capacity_dose2 - self.booked_dose2


class Beneficiary(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        OTHER = "O", _("Other")

    reference_id = models.CharField(max_length=14, unique=True)
    name = models.CharField(max_length=200)
    birth_year = models.PositiveSmallIntegerField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    mobile = models.CharField(max_length=10, null=True, blank=True, db_index=True)  # noqa: DJ001 - NULL, not "", so (mobile, mobile_slot) stays unique only among real mobiles
    # 1..4 on a mobile, unique per mobile: the database itself caps a mobile at 4 beneficiaries.
    mobile_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="beneficiaries")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    # Set when dose 1 was given (by the portal's import or a vaccinated dose-1 appointment).
    dose1_vaccine = models.CharField(max_length=12, choices=Vaccine.choices, blank=True)
    dose1_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reference_id"]
        verbose_name_plural = "beneficiaries"
        constraints = [
            models.CheckConstraint(name="beneficiary_reference_14_digits", condition=Q(reference_id__regex=REFERENCE_REGEX)),
            models.CheckConstraint(name="beneficiary_mobile_10_digits",
                                   condition=Q(mobile__isnull=True) | Q(mobile__regex=MOBILE_REGEX)),
            models.CheckConstraint(name="beneficiary_at_most_4_per_mobile",
                                   condition=(Q(mobile__isnull=True) & Q(mobile_slot__isnull=True))
                                   | (Q(mobile__isnull=False) & Q(mobile_slot__gte=1) & Q(mobile_slot__lte=4))),
            models.UniqueConstraint(fields=["mobile", "mobile_slot"], name="beneficiary_mobile_slot_unique"),
            models.CheckConstraint(name="beneficiary_birth_year_sane",
                                   condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100)),
            models.CheckConstraint(name="beneficiary_dose1_both_or_neither",
                                   condition=(Q(dose1_vaccine="") & Q(dose1_date__isnull=True))
                                   | (~Q(dose1_vaccine="") & Q(dose1_date__isnull=False))),
        ]

    def __str__(self) -> str:
        return self.reference_id

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def mask_mobile(mobile: str | None) -> str:
    return f"XXXXXX{mobile[-4:]}" if mobile else ""


def mask_name(name: str) -> str:
    """First letter of each word, the rest hidden: what a citizen needs to recognise a name."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in name.split())


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    VACCINATED = "vaccinated", _("Vaccinated")
    NO_SHOW = "no_show", _("No-show")
    EXPIRED = "expired", _("Expired")


class Appointment(models.Model):
    appointment_id = models.UUIDField(unique=True, default=uuid.uuid4)
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="appointments")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="appointments")
    slot = models.CharField(max_length=20)
    dose = models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2")])
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    confirmation_number = models.CharField(max_length=12, unique=True)
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "dose"], condition=Q(status="booked"),
                                    name="one_active_appointment_per_dose"),
            models.CheckConstraint(name="appointment_dose_1_or_2", condition=Q(dose__in=[1, 2])),
            models.CheckConstraint(name="appointment_status_known", condition=Q(status__in=AppointmentStatus.values)),
        ]
        indexes = [models.Index(fields=["session", "status"], name="appointment_session_status")]

    def __str__(self) -> str:
        return f"{self.confirmation_number} ({self.status})"


class AppointmentEvent(models.Model):
    """Append-only history of an appointment: never updated, never deleted (a trigger on
    PostgreSQL refuses both)."""

    class Kind(models.TextChoices):
        BOOKED = "booked", _("Booked")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CANCELLED = "cancelled", _("Cancelled")
        SESSION_MOVED = "session_moved", _("Session moved to another date")
        IMPORTED = "imported", _("Imported from the portal")
        EXPIRED = "expired", _("Expired: the day passed")
        VACCINATED = "vaccinated", _("Vaccinated at the centre")

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=40, blank=True, help_text=_("citizen, system, import"))
    reason = models.CharField(max_length=300, blank=True)
    from_session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_slot = models.CharField(max_length=20, blank=True)
    to_slot = models.CharField(max_length=20, blank=True)
    confirmation_number = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind}"


class OtpTransaction(models.Model):
    """One OTP sent (or, for an unknown mobile, pretended sent) to a mobile. The code itself is
    never stored: only HMAC-SHA256(SECRET_KEY, txn id + code)."""

    txn_id = models.UUIDField(unique=True, default=uuid.uuid4)
    mobile = models.CharField(max_length=10, db_index=True)
    code_hmac = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(name="otp_attempts_at_most_5", condition=Q(attempts__lte=5))]

    def __str__(self) -> str:
        return str(self.txn_id)


class CitizenToken(models.Model):
    """A citizen's login after an OTP: a bearer token (API) or the same row behind a page session.
    Only a SHA-256 of the token is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    mobile = models.CharField(max_length=10)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"token {self.pk} for {mask_mobile(self.mobile)}"


class LookupReason(models.TextChoices):
    CALLER_REQUEST = "caller_request", _("Caller asked about their booking")
    RESCHEDULE = "reschedule", _("Caller asked to reschedule")
    CANCEL = "cancel", _("Caller asked to cancel")
    COMPLAINT = "complaint", _("Investigating a complaint")
    RECONCILIATION = "reconciliation", _("Reconciliation with the portal")
    SESSION_ROSTER = "session_roster", _("Running a session (its list of bookings)")


class LookupLog(models.Model):
    """Every lookup of personal data by staff: who, when, why, what. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=LookupReason.choices)
    note = models.CharField(max_length=300, blank=True)
    query_kind = models.CharField(max_length=20, help_text=_("reference_id, mobile, appointment"))
    query_value = models.CharField(max_length=40)
    result_count = models.PositiveIntegerField(default=0)
    ticket_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(name="lookup_reason_known", condition=Q(reason__in=LookupReason.values))]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.query_kind} {self.created_at:%Y-%m-%d %H:%M}"


class ChangeRecord(models.Model):
    """The change feed for the portal: one row per change made in the helpdesk. The id is the
    cursor; on PostgreSQL ids are allocated under a transaction-level advisory lock held until
    commit, so a reader never sees id N+1 before id N."""

    kind = models.CharField(max_length=30)
    reference_id = models.CharField(max_length=14)
    appointment_id = models.UUIDField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind}"


class ImportRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, help_text=_("centres, sessions, beneficiaries, appointments"))
    source = models.CharField(max_length=200, help_text=_("file name or portal URL"))
    fmt = models.CharField(max_length=10, help_text=_("json, csv or api"))
    content = models.TextField(blank=True, help_text=_("the uploaded file, kept until processed"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    refusals = models.JSONField(default=list, help_text=_("[{row, reason}] (first 500)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(name="import_processed_le_total",
                                              condition=Q(processed__lte=F("total")))]

    def __str__(self) -> str:
        return f"{self.kind} {self.source} {self.status}"
