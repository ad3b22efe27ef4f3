"""Form errors for pages (GOV.UK / UX4G pattern): every field is checked, every error is kept,
and the page shows a summary at the top linking to each field plus the message beside it.

`collect()` runs one parser per field and gathers the InvalidInput each raises; the API keeps
seeing one InvalidInput (the first error: its code, detail and field), so JSON answers do not
change. `form_context()` turns any DomainError into what the templates show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError, InvalidInput

# The label a person sees for each field name the parsers report (messages never show a code).
FIELD_LABELS: dict[str, Promise] = {
    "name": _("Your name"),
    "mobile": _("Mobile number"),
    "district": _("District"),
    "district_id": _("District"),
    "category": _("What went wrong?"),
    "description": _("Describe the problem"),
    "reference_id": _("Registration reference"),
    "language": _("Language for SMS"),
    "body": _("Reply"),
    "number": _("Complaint number"),
    "otp": _("OTP"),
    "pincode": _("PIN code"),
    "subject": _("Subject"),
    "notes": _("Call notes"),
    "note": _("Note"),
    "choice": _("Time slot"),
    "session_id": _("Session"),
    "slot": _("Time slot"),
    "priority": _("Priority"),
}


def label(field: str) -> str:
    """The translated label of a field name, or the name itself when it has none."""
    found = FIELD_LABELS.get(field)
    return str(found) if found is not None else field


@dataclass(frozen=True)
class FieldError:
    field: str | None  # None: about the whole form
    message: str


class FormErrors(InvalidInput):
    """Several fields are wrong. Behaves as the first one's InvalidInput; `errors` has them all."""

    def __init__(self, errors: list[FieldError], first: InvalidInput) -> None:
        super().__init__(first.detail, code=first.code, **first.extra)
        self.errors = errors


def collect(parsers: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every parser (name -> callable); their values, or FormErrors listing every failure."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    first: InvalidInput | None = None
    for name, parse in parsers.items():
        try:
            values[name] = parse()
        except InvalidInput as exc:
            first = first or exc
            errors.append(FieldError(exc.extra.get("field") or name, exc.detail))
    if first is not None:
        raise FormErrors(errors, first)
    return values


def form_context(exc: DomainError, *, field_map: dict[str, str] | None = None) -> dict[str, Any]:
    """Template context for a refused form: `errors` (summary, in field order) and `field_errors`
    (field -> message). `field_map` renames a parser's field to the form's input name."""
    items = exc.errors if isinstance(exc, FormErrors) else [FieldError(exc.extra.get("field"), exc.detail)]
    field_map = field_map or {}
    errors = [FieldError(field_map.get(e.field, e.field) if e.field else None, e.message) for e in items]
    return {"errors": errors, "field_errors": {e.field: e.message for e in errors if e.field},
            "error": exc.detail}
