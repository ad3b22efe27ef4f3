"""The bookings endpoints' own inputs, on helpdesk.inputs' rules (one set of bounds and error
codes); the citizen formats are in helpdesk.validation."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from helpdesk import inputs
from helpdesk.exceptions import InvalidInput

_SLOT_RE = re.compile(r"^[0-9]{2}:[0-9]{2}(AM|PM)-[0-9]{2}:[0-9]{2}(AM|PM)$")

body = inputs.body
one = inputs.one


def version(raw, *, required: bool = True) -> int | None:
    """An expected version: a JSON integer (not a boolean) or a string of ASCII digits."""
    return inputs.integer(raw, "expected_version", required=required, allow_text=True)


def slot(raw) -> str:
    if not isinstance(raw, str) or not _SLOT_RE.match(raw):
        raise InvalidInput(_("A time slot looks like 09:00AM-11:00AM."), code="invalid_slot", field="slot")
    return raw


def text(raw, field: str, *, max_len: int = 300, required: bool = False) -> str:
    return inputs.text(raw, field, max_len=max_len, required=required, strip=True)


def positive_int(raw, field: str, *, required: bool = True, maximum: int = inputs.MAX_INT) -> int | None:
    return inputs.integer(raw, field, required=required, maximum=maximum, allow_text=True)
