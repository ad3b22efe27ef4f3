"""What a vendor engineer types on a phone, checked once for the link page, the vendor inbox and
the API: the ETA ("in 45 minutes", "in 2 hours", "18:30", a date and time) and notes. Each
refusal is InvalidInput with a message in the page's language; nothing is changed."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from helpdesk import inputs
from helpdesk.exceptions import InvalidInput

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
MAX_ETA = dt.timedelta(days=30)
MIN_ETA = dt.timedelta(minutes=1)
REASON_MAX_CHARS = 500

_RELATIVE = re.compile(r"^(?:in\s+)?([0-9]{1,5})\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours)$", re.ASCII)
_CLOCK = re.compile(r"^([0-9]{1,2}):([0-9]{2})$", re.ASCII)
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)?$",
                       re.ASCII)


def _unparseable() -> InvalidInput:
    return InvalidInput(_("Give the ETA as 'in 45 minutes', 'in 2 hours', a time such as 18:30, or a date and time."),
                        code="invalid_eta", field="eta")


def parse_eta(raw: object, *, now: dt.datetime) -> dt.datetime:
    """The promised time. A bare time of day is its next occurrence (IST); a date and time without a
    zone is IST. Refused: unparseable, in the past (or less than a minute ahead), more than 30 days
    ahead."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 40:
        raise _unparseable()
    text = " ".join(raw.strip().lower().split())
    if match := _RELATIVE.match(text):
        amount, unit = int(match.group(1)), match.group(2)
        delta = dt.timedelta(hours=amount) if unit.startswith("h") else dt.timedelta(minutes=amount)
        if delta > MAX_ETA:
            raise _too_far()
        value = now + delta
    elif match := _CLOCK.match(text):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise _unparseable()
        local = now.astimezone(IST)
        value = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if value <= local:
            value += dt.timedelta(days=1)
    elif _DATETIME.match(text.upper()):
        try:
            value = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        except ValueError:
            raise _unparseable() from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=IST)
    else:
        raise _unparseable()
    check_eta(value, now=now)
    return value


def _too_far() -> InvalidInput:
    return InvalidInput(_("The ETA must be within 30 days."), code="eta_too_far", field="eta")


def check_eta(value: dt.datetime, *, now: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise InvalidInput(_("The ETA needs a time zone."), code="invalid_eta", field="eta")
    if value < now + MIN_ETA:
        raise InvalidInput(_("The ETA must be in the future."), code="eta_in_past", field="eta")
    if value > now + MAX_ETA:
        raise _too_far()
    return value


# Notes obey the one note rule of the input layer (limit, message, characters).
clean_note = inputs.note
