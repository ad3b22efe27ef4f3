"""Strict parsing of what citizens type. Shared by every app; see DOMAIN.md §9.

Each function takes the raw value (whatever JSON or a form gave: str, int, list, None...) and
returns the normalised value or raises InvalidInput with a message fit to show. Only ASCII
digits count as digits ([0-9], never \\d, never int() on raw input).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from zoneinfo import ZoneInfo

import phonenumbers
from django.utils.translation import gettext as _

from . import inputs
from .exceptions import InvalidInput

IST = ZoneInfo("Asia/Kolkata")
_REFERENCE_RE = re.compile(r"^[0-9]{14}$")
_MOBILE_RE = re.compile(r"^[6-9][0-9]{9}$")
_MOBILE_TYPED_RE = re.compile(r"^\+?[0-9][0-9 \-]*$")
_PIN_RE = re.compile(r"^49[0-9]{4}$")
_DATE_RE = re.compile(r"^[0-9]{2}-[0-9]{2}-[0-9]{4}$")
_ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_OTP_RE = re.compile(r"^[0-9]{6}$")
_SLOT_RE = re.compile(r"^[0-9]{2}:[0-9]{2}(AM|PM)-[0-9]{2}:[0-9]{2}(AM|PM)$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _text(raw: object, field: str, max_len: int = 64) -> str:
    return inputs.text(raw, field, max_len=max_len, multiline=False)


def reference_id(raw: object) -> str:
    """A beneficiary reference id: exactly 14 ASCII digits, kept as text."""
    value = _text(raw, "reference_id").strip()
    if not _REFERENCE_RE.match(value):
        raise InvalidInput(_("A reference id is exactly 14 digits (0-9)."), code="invalid_reference_id", field="reference_id")
    return value


def mobile(raw: object) -> str:
    """An Indian mobile, the one parser every app uses: written with ASCII digits, spaces and
    dashes (an optional leading +), parsed by `phonenumbers` as an Indian number (a +91, 0091, 91 or
    0 prefix is understood), and kept as its 10 national digits starting 6-9 (the form stored).
    Text is parsed once per process and remembered (a complaint's mobile is read by the rate
    limit, the idempotency scope and the intake)."""
    national = _national_text(raw) if type(raw) is str else _national(raw)
    if national is None:
        raise InvalidInput(_("Enter a 10-digit mobile number starting with 6, 7, 8 or 9."), code="invalid_mobile", field="mobile")
    return national


@functools.lru_cache(maxsize=4096)
def _national_text(raw: str) -> str | None:
    return _national(raw)


def _national(raw: object) -> str | None:
    """The 10 national digits, or None for a number that is not an Indian mobile (InvalidInput
    for what is not text at all: inputs.text's messages)."""
    value = _text(raw, "mobile", 20).strip()
    if not _MOBILE_TYPED_RE.match(value):  # other scripts' digits and letters are refused, never read
        return None
    try:
        number = phonenumbers.parse(value, "IN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 91 or number.extension:
        return None
    national = str(number.national_number)
    return national if _MOBILE_RE.match(national) else None


def pincode(raw: object) -> str:
    value = _text(raw, "pincode", 10).strip()
    if not _PIN_RE.match(value):
        raise InvalidInput(_("A Chhattisgarh PIN code is 6 digits starting with 49."), code="invalid_pincode", field="pincode")
    return value


def otp(raw: object) -> str:
    value = _text(raw, "otp", 10).strip()
    if not _OTP_RE.match(value):
        raise InvalidInput(_("The OTP is 6 digits."), code="invalid_otp", field="otp")
    return value


def slot(raw: object) -> str:
    """A session's time slot as CoWIN writes it: 09:00AM-11:00AM."""
    if not isinstance(raw, str) or not _SLOT_RE.match(raw):
        raise InvalidInput(_("A time slot looks like 09:00AM-11:00AM."), code="invalid_slot", field="slot")
    return raw


def cowin_date(raw: object) -> dt.date:
    """A date as CoWIN writes it: dd-mm-yyyy (IST calendar date)."""
    value = _text(raw, "date", 10).strip()
    if not _DATE_RE.match(value):
        raise InvalidInput(_("Dates are written dd-mm-yyyy."), code="invalid_date", field="date")
    day, month, year = (int(part) for part in value.split("-"))  # safe: ASCII digits only
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidInput(_("That date does not exist."), code="invalid_date", field="date") from None


def iso_date(raw: object) -> dt.date:
    value = _text(raw, "date", 10).strip()
    if not _ISO_DATE_RE.match(value):
        raise InvalidInput(_("Dates are written yyyy-mm-dd."), code="invalid_date", field="date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("That date does not exist."), code="invalid_date", field="date") from None


def uuid_value(raw: object, field: str = "id") -> uuid.UUID:
    value = _text(raw, field, 36).strip()
    if not _UUID_RE.match(value):
        raise InvalidInput(_("%(field)s is not a valid UUID.") % {"field": field}, code=f"invalid_{field}", field=field)
    return uuid.UUID(value)


def today_ist() -> dt.date:
    from django.utils import timezone

    return timezone.now().astimezone(IST).date()
