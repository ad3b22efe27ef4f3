"""Records made at a centre while offline, and the devices that send them.

Exactly once: a record's key is (centre, client id), a client-generated UUID; the unique
constraint makes a second acceptance impossible whatever retries or parallel devices do. The body
is kept with its SHA-256, so a replay with another body under the same key is told apart from an
honest retry. The device's clock is kept as reported (`recorded_at`); the server's (`received_at`,
and the change feed's ids) orders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment, Beneficiary, Centre


class RecordKind(models.TextChoices):
    REGISTRATION = "registration", _("Walk-in registration")
    VACCINATION = "vaccination", _("Vaccination of a registered person")
    CORRECTION = "correction", _("Correction")


class RecordStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class Resolution(models.TextChoices):
    OPEN = "", _("To resolve")
    RESOLVED = "resolved", _("Resolved")
    CORRECTED = "corrected", _("Corrected by a later record")
    MERGED = "merged", _("Merged into the portal registration")
    KEPT = "kept", _("Kept as a separate person")


class OfflineDevice(models.Model):
    """A browser (phone or laptop) of a centre, known by the id it generated on first use."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="offline_devices")
    device_id = models.UUIDField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    last_contact_at = models.DateTimeField()
    waiting = models.PositiveIntegerField(default=0, help_text=_("records the device still held, as it reported"))
    oldest_waiting_at = models.DateTimeField(null=True, blank=True, help_text=_("device clock"))
    clock_skew_seconds = models.IntegerField(default=0, help_text=_("device clock minus server clock at the last sync"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "device_id"], name="offline_device_per_centre")]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.device_id}"


class OfflineRecord(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="offline_records")
    client_id = models.UUIDField()
    device = models.ForeignKey(OfflineDevice, null=True, on_delete=models.SET_NULL, related_name="records")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=14, choices=RecordKind.choices)
    body = models.JSONField()
    body_sha256 = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(help_text=_("device clock, as reported"))
    received_at = models.DateTimeField(help_text=_("server clock"))
    status = models.CharField(max_length=10, choices=RecordStatus.choices)
    code = models.CharField(max_length=40, blank=True, help_text=_("why it was refused"))
    detail = models.CharField(max_length=300, blank=True)
    corrects = models.UUIDField(null=True, blank=True, help_text=_("client id of the record this one corrects"))
    beneficiary = models.ForeignKey(Beneficiary, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True, default="")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "client_id"], name="offline_record_once_per_centre"),
            models.CheckConstraint(name="offline_record_status_known", condition=Q(status__in=RecordStatus.values)),
            models.CheckConstraint(name="offline_record_accepted_has_beneficiary",
                                   condition=~Q(status="accepted") | Q(beneficiary__isnull=False)),
            models.CheckConstraint(name="offline_record_refused_has_code",
                                   condition=~Q(status="refused") | ~Q(code="")),
        ]
        indexes = [models.Index(fields=["centre", "status", "resolution"], name="offline_record_queue")]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.client_id} {self.status}"
