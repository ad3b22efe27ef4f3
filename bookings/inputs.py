"""Strict parsing of the bookings endpoints' own inputs (the shared ones are in helpdesk.validation)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from helpdesk.exceptions import InvalidInput

_DIGITS_RE = re.compile(r"^[0-9]{1,9}$")
_SLOT_RE = re.compile(r"^[0-9]{2}:[0-9]{2}(AM|PM)-[0-9]{2}:[0-9]{2}(AM|PM)$")


def body(data) -> dict:
    if not isinstance(data, dict):
        raise InvalidInput(_("The request body must be a JSON object."), code="invalid_body")
    return data


def one(query, name: str, *, required: bool = True) -> str | None:
    """Exactly one value of a query parameter (duplicates refused)."""
    values = query.getlist(name)
    if not values:
        if required:
            raise InvalidInput(_("%(field)s is required.") % {"field": name}, code=f"missing_{name}", field=name)
        return None
    if len(values) > 1:
        raise InvalidInput(_("%(field)s was given more than once.") % {"field": name}, code="duplicate_parameter", field=name)
    return values[0]


def version(raw, *, required: bool = True) -> int | None:
    """An expected version: a JSON integer (not a boolean) or a string of ASCII digits."""
    if raw is None or raw == "":
        if required:
            raise InvalidInput(_("expected_version is required."), code="missing_expected_version", field="expected_version")
        return None
    if isinstance(raw, bool):
        raise InvalidInput(_("expected_version must be a whole number."), code="invalid_expected_version", field="expected_version")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS_RE.match(raw):
        value = int(raw)
    else:
        raise InvalidInput(_("expected_version must be a whole number."), code="invalid_expected_version", field="expected_version")
    if not 1 <= value <= 2_000_000_000:
        raise InvalidInput(_("expected_version must be a whole number."), code="invalid_expected_version", field="expected_version")
    return value


def slot(raw) -> str:
    if not isinstance(raw, str) or not _SLOT_RE.match(raw):
        raise InvalidInput(_("A time slot looks like 09:00AM-11:00AM."), code="invalid_slot", field="slot")
    return raw


def text(raw, field: str, *, max_len: int = 300, required: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InvalidInput(_("%(field)s must be text.") % {"field": field}, code=f"invalid_{field}", field=field)
    raw = raw.strip()
    if len(raw) > max_len:
        raise InvalidInput(_("%(field)s is too long.") % {"field": field}, code=f"invalid_{field}", field=field)
    if required and not raw:
        raise InvalidInput(_("%(field)s is required.") % {"field": field}, code=f"missing_{field}", field=field)
    return raw


def positive_int(raw, field: str, *, required: bool = True, maximum: int = 2_000_000_000) -> int | None:
    if raw is None or raw == "":
        if required:
            raise InvalidInput(_("%(field)s is required.") % {"field": field}, code=f"missing_{field}", field=field)
        return None
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and _DIGITS_RE.match(raw))):
        raise InvalidInput(_("%(field)s must be a whole number.") % {"field": field}, code=f"invalid_{field}", field=field)
    value = int(raw)
    if not 1 <= value <= maximum:
        raise InvalidInput(_("%(field)s is out of range.") % {"field": field}, code=f"invalid_{field}", field=field)
    return value
