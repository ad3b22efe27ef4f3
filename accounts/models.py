from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A district of Chhattisgarh. Keyed by our own code, never by name (CoWIN's names drift)."""

    code = models.SlugField(max_length=64, unique=True)
    cowin_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    name_en = models.CharField(max_length=100)
    name_hi = models.CharField(max_length=100)

    class Meta:
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_hi if (get_language() or "en").startswith("hi") else self.name_en


class Vendor(models.Model):
    """The organisation that builds and runs the portal (the escalation target)."""

    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENT = "agent", _("Helpdesk agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    DISTRICT_OFFICIAL = "district_official", _("District official")
    VENDOR_ENGINEER = "vendor_engineer", _("Vendor engineer")
    VENDOR_OFFICER = "vendor_officer", _("Vendor officer")
    ADMIN = "admin", _("Administrator")
    CENTRE_STAFF = "centre_staff", _("Centre staff")


VENDOR_ROLES = (Role.VENDOR_ENGINEER, Role.VENDOR_OFFICER)
STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.AGENT)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.PROTECT, related_name="officials")
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    # Centre staff work at one vaccination centre (and its district). A string reference: the
    # centre lives in bookings, which builds on accounts; nothing here imports it.
    centre = models.ForeignKey("bookings.Centre", null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    mobile = models.CharField(max_length=10, blank=True, help_text=_("10 digits, for SMS escalations"))
    title = models.CharField(max_length=120, blank=True, help_text=_("e.g. Responsible officer"))
    preferred_language = models.CharField(max_length=8, choices=[("en", "English"), ("hi", "हिन्दी")], default="en")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="district_official_has_district",
                condition=~Q(role="district_official") | Q(district__isnull=False),
            ),
            models.CheckConstraint(
                name="vendor_role_has_vendor",
                condition=~Q(role__in=["vendor_engineer", "vendor_officer"]) | Q(vendor__isnull=False),
            ),
            models.CheckConstraint(
                name="centre_staff_has_centre_and_district",
                condition=~Q(role="centre_staff") | (Q(centre__isnull=False) & Q(district__isnull=False)),
            ),
            models.CheckConstraint(name="user_mobile_10_digits", condition=Q(mobile="") | Q(mobile__regex=r"^[6-9][0-9]{9}$")),
        ]

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN) or self.is_superuser

    @property
    def is_desk(self) -> bool:
        """Agents and supervisors: the people who see every district."""
        return self.is_supervisor or self.role == Role.AGENT

    @property
    def is_district_official(self) -> bool:
        return self.role == Role.DISTRICT_OFFICIAL

    @property
    def is_centre_staff(self) -> bool:
        return self.role == Role.CENTRE_STAFF

    @property
    def is_vendor(self) -> bool:
        return self.role in VENDOR_ROLES


from .token_models import ApiToken  # noqa: E402,F401 - the token model registers with this app
