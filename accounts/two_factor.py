"""Second factor for staff: TOTP devices (django-otp). Who must have one is decided here and in
nowhere else; the pages are accounts/views.py, the enforcement accounts/middleware.py."""

from __future__ import annotations

import base64
from typing import Literal

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role

Step = Literal["setup", "verify"]
REQUIRED_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def second_factor_required(user) -> bool:
    """Supervisors and admins (and superusers) when STAFF_2FA_REQUIRED is on."""
    return bool(settings.STAFF_2FA_REQUIRED and (user.is_superuser or user.role in REQUIRED_ROLES))


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def second_factor_step(user) -> Step | None:
    """What a logged-in, not yet verified user must do before anything else: None if nothing."""
    if has_confirmed_device(user):
        return "verify"
    if second_factor_required(user):
        return "setup"
    return None


SESSION_STEP = "second_factor_step"


def remember_step(sender=None, *, request, user, **kwargs) -> None:
    """On login (django's user_logged_in): note in the session what the user still owes, so that
    requests need no query to know it (accounts.middleware reads it)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STEP] = second_factor_step(user) or ""


def forget_step(request) -> None:
    """The second factor was given (or set up): nothing is owed any more."""
    request.session[SESSION_STEP] = ""


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """A new, unconfirmed TOTP device for `user` (earlier unconfirmed ones are removed, so a secret
    is shown on one page view only). Confirmed devices are untouched."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (no inline script or style)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4)


@transaction.atomic
def totp_device_confirm(*, user, device_id: int, token: str) -> TOTPDevice | None:
    """Confirm the unconfirmed device `device_id` of `user` if `token` is its current code.
    Locks the device row. Returns the device, or None for a wrong code (django-otp throttles
    repeated failures)."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or not device.verify_is_allowed()[0] or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def totp_match(*, user, token: str) -> TOTPDevice | None:
    """The confirmed device of `user` whose current code is `token` (throttled by django-otp)."""
    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            return device
    return None
