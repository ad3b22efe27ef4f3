"""Strict parsing of API bodies: a JSON object with known fields only, each checked for its type.
Unknown fields, wrong types and oversized bodies are clear 4xx errors, never a 500."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError, InvalidInput


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"


def check_size(request) -> None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    size = int(raw) if raw.isascii() and raw.isdigit() else 0
    if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge(_("The request body is too large."))


def body(request, *, allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:
    data = request.data
    if not isinstance(data, dict):
        raise InvalidInput(_("The body must be a JSON object."), code="invalid_body")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)},
                           code="unknown_fields", fields=unknown)
    missing = sorted(name for name in required if data.get(name) in (None, ""))
    if missing:
        raise InvalidInput(_("Missing fields: %(fields)s.") % {"fields": ", ".join(missing)},
                           code="missing_fields", fields=missing)
    return data


def text(data: dict, name: str, *, max_len: int, default: str = "") -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text.") % {"field": name}, code=f"invalid_{name}", field=name)
    if len(value) > max_len:
        raise InvalidInput(_("%(field)s is too long (at most %(max)s characters).") % {"field": name, "max": max_len},
                           code=f"invalid_{name}", field=name)
    if "\x00" in value:
        raise InvalidInput(_("%(field)s contains a null character.") % {"field": name}, code=f"invalid_{name}", field=name)
    return value


def integer(data: dict, name: str, *, default: int | None = None) -> int | None:
    value = data.get(name, default)
    if value is None:
        return None
    # bool is an int in Python; refuse it, and refuse numbers written as text.
    if isinstance(value, bool) or not isinstance(value, int) or not (0 < value < 2**63):
        raise InvalidInput(_("%(field)s must be a positive whole number.") % {"field": name},
                           code=f"invalid_{name}", field=name)
    return value


def boolean(data: dict, name: str, *, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InvalidInput(_("%(field)s must be true or false.") % {"field": name}, code=f"invalid_{name}", field=name)
    return value


def choice(data: dict, name: str, choices, *, default: str | None = None) -> str | None:
    value = data.get(name, default)
    if value is None:
        return None
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(_("%(field)s must be one of: %(choices)s.") % {"field": name, "choices": ", ".join(choices)},
                           code=f"invalid_{name}", field=name)
    return value
